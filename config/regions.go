package config

// regionZones lists the AWS commercial regions and the letters of the
// availability zones each offers to a new account. Default zone names are
// the region followed by the first azCount letters.
//
// Zone letters map to different physical zones in each account, and in a
// few regions (us-west-1, ap-northeast-1, ca-central-1) an account sees only
// some of the letters; an org that needs others names them in
// availabilityZones. Opt-in regions are listed too: enabling them is up to
// the account owner.
var regionZones = map[string]string{
	"af-south-1":     "abc",
	"ap-east-1":      "abc",
	"ap-east-2":      "abc",
	"ap-northeast-1": "acd",
	"ap-northeast-2": "abcd",
	"ap-northeast-3": "abc",
	"ap-south-1":     "abc",
	"ap-south-2":     "abc",
	"ap-southeast-1": "abc",
	"ap-southeast-2": "abc",
	"ap-southeast-3": "abc",
	"ap-southeast-4": "abc",
	"ap-southeast-5": "abc",
	"ap-southeast-6": "abc",
	"ap-southeast-7": "abc",
	"ca-central-1":   "abd",
	"ca-west-1":      "abc",
	"eu-central-1":   "abc",
	"eu-central-2":   "abc",
	"eu-north-1":     "abc",
	"eu-south-1":     "abc",
	"eu-south-2":     "abc",
	"eu-west-1":      "abc",
	"eu-west-2":      "abc",
	"eu-west-3":      "abc",
	"il-central-1":   "abc",
	"me-central-1":   "abc",
	"me-south-1":     "abc",
	"mx-central-1":   "abc",
	"sa-east-1":      "abc",
	"us-east-1":      "abcdef",
	"us-east-2":      "abc",
	"us-west-1":      "ac",
	"us-west-2":      "abcd",
}
