package gates

// Waivers accepts the failures of cfn-guard rules, by rule name (as cfn-guard
// reports it, such as s3_bucket_logging_enabled_check), across all stacks.
//
// Each waiver must give a specific reason: what in this organization makes the
// control unnecessary or impossible, and what covers the risk instead. "Not
// needed" or "too noisy" is not a reason. A waived failure does not fail the
// gate but is listed with its reason on every run, and a waiver that no longer
// matches any failure is reported as stale: delete it then.
//
// It starts empty: waivers are added once the real templates exist.
var Waivers = map[string]string{}
