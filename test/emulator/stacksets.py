"""CloudFormation StackSets with service-managed permissions, for the emulator (issue 16).

launcher.py imports this module and calls patch(launcher) once its own
patches are in place. Only moto 5.2.1 and the standard library are used.

What moto 5.2.1 has (moto/cloudformation/models.py, responses.py): stack sets
and stack instances for both permission models; a SERVICE_MANAGED stack set
takes DeploymentTargets.OrganizationalUnitIds and deploys to the accounts
directly in those OUs and in their children one level down, as hidden stacks
that no DescribeStacks in the member account shows; the management account
gets an instance too when it is in a target OU (the root). It ignores
AutoDeployment, CallAs, OperationPreferences, RetainStacks, trusted access
and the template size; UpdateStackSet and UpdateStackInstances change the
recorded parameters but no stack; every operation SUCCEEDED;
ListStackSetOperationResults answers a fixed text. There is no
ActivateOrganizationsAccess, DescribeOrganizationsAccess,
ListStackSetAutoDeploymentTargets, nor the AWS::CloudFormation::StackSet
resource type.

What this module makes of SERVICE_MANAGED stack sets (SELF_MANAGED ones stay
moto's), each with the AWS document that says so beside the code:

  trusted access     ActivateOrganizationsAccess / DeactivateOrganizationsAccess /
                     DescribeOrganizationsAccess in the management account; every
                     service-managed call without it fails
  who may call       the management account (CallAs SELF) or a registered
                     delegated administrator of
                     member.org.stacksets.cloudformation.amazonaws.com (CallAs
                     DELEGATED_ADMIN); the stack set lives in the management
                     account either way
  templates          TemplateBody over 51,200 bytes, a Transform (macro), IAM
                     resources without CAPABILITY_IAM / CAPABILITY_NAMED_IAM, a
                     ParameterOverride the template does not declare: refused
  instances          every account of the target OUs and of all their child OUs,
                     never the management account, in every region asked for:
                     real stacks named StackSet-<name>-<uuid> in the member
                     accounts, created through the same CloudFormation models as
                     any stack (so DescribeStacks there shows them, and a failed
                     one rolls back); ParameterOverrides per instance
  operations         OperationPreferences: failure tolerance and maximum
                     concurrency per region (count or percentage, not both),
                     STRICT_/SOFT_FAILURE_TOLERANCE, RegionOrder,
                     RegionConcurrencyType SEQUENTIAL (a region over its
                     tolerance stops the later ones) or PARALLEL; the
                     operation SUCCEEDED or FAILED, with one result per
                     instance (ListStackSetOperationResults)
  updates            UpdateStackSet and UpdateStackInstances update the instances'
                     stacks (a failed update rolls back)
  auto-deployment    AutoDeployment Enabled: an account created in or moved into a
                     target OU (or below it) gets the instances of that OU's
                     regions; one moved out, or removed from the organization,
                     loses them, its stacks deleted or, with
                     RetainStacksOnAccountRemoval, kept
  deleting           DeleteStackInstances by OU with RetainStacks; the OU leaves
                     the auto-deployment targets
  the resource type  AWS::CloudFormation::StackSet (StackInstancesGroup included)
                     does the same from a template, its refusals failing the
                     resource (and so the stack, which rolls back)

Not modeled (see docs/stacksets.md): time (operations run to completion
inside the call: no OperationInProgressException, no queue, no
ManagedExecution), throttling, AccountFilterType and Accounts in
DeploymentTargets of create operations, self-managed stack sets beyond
moto's, drift, the service-linked roles and stacksets-exec-* roles in the
member accounts, and any permission check (so a StackSet template's Lambda
code in another account's bucket deploys here even where AWS would deny it).
"""

import copy
import json
import math
import threading
import uuid

L = None  # the launcher module, set by patch()
log = None

# The service principal of StackSets' trusted access and delegated
# administrator (CloudFormation User Guide, "Register a delegated
# administrator"; AWS Organizations User Guide, "AWS CloudFormation Stacksets
# and AWS Organizations").
SERVICE_PRINCIPAL = "member.org.stacksets.cloudformation.amazonaws.com"

# "Template body size in a request: 51,200 bytes" (CloudFormation User Guide,
# "Understand CloudFormation quotas"; the AWS::CloudFormation::StackSet
# schema's TemplateBody maxLength 51200). Counted in UTF-8 bytes here; whether
# AWS counts bytes or characters the docs do not say.
TEMPLATE_BODY_LIMIT = 51200

# The management accounts whose organization activated trusted access
# through CloudFormation (ActivateOrganizationsAccess).
ACCESS = set()
# Every service-managed stack set: (management account, region, stack set id).
REGISTRY = []
_LOCK = threading.RLock()

STACK_SET_ACTIONS = {
    "CreateStackSet", "UpdateStackSet", "DeleteStackSet", "DescribeStackSet", "ListStackSets",
    "CreateStackInstances", "UpdateStackInstances", "DeleteStackInstances", "DescribeStackInstance",
    "ListStackInstances", "DescribeStackSetOperation", "ListStackSetOperations",
    "ListStackSetOperationResults", "StopStackSetOperation", "ListStackSetAutoDeploymentTargets",
    "DescribeOrganizationsAccess",
}


def patch(launcher):
    global L, log
    L = launcher
    log = launcher.log
    _patch_reset()
    _patch_api()
    _register_resource_type()
    _patch_organizations()


# --- errors ------------------------------------------------------------------


def _error(code, message):
    from moto.cloudformation.exceptions import CloudFormationError

    cls = type(code, (CloudFormationError,), {"code": code})
    return cls(message)


def _validation(message):
    return _error("ValidationError", message)


# --- the organization ----------------------------------------------------------


def _org(account_id):
    """(organizations backend, management account id) of account_id's
    organization, or a ValidationError."""
    try:
        return L._org_of(account_id)
    except ValueError:
        # moto's own text; AWS's for a caller outside any organization the
        # docs do not give.
        raise _validation("You must be the master or delegated admin account of an organization before operating a SERVICE_MANAGED stack set")


def _is_delegated_admin(org, account_id):
    return any(a.account.id == account_id and SERVICE_PRINCIPAL in a.services for a in org.admins)


def _admin_account(caller, call_as):
    """The management account of caller's organization, once caller may act
    for it with call_as.

    "To create a stack set with service-managed permissions while signed in
    to the management account, specify SELF. ... while signed in to a
    delegated administrator account, specify DELEGATED_ADMIN. Your AWS
    account must be registered as a delegated admin in the management
    account." "StackSets with service-managed permissions are created in the
    management account, including StackSets that are created by delegated
    administrators." (CloudFormation API Reference, CreateStackSet CallAs;
    User Guide, "Register a delegated administrator".) The texts of the
    errors are the ones users report (cloudformation-coverage-roadmap#799;
    terraform-provider-aws' aws_cloudformation_stack_set notes,
    "ValidationError: Account used is not a delegated administrator")."""
    org, mgmt = _org(caller)
    if (call_as or "SELF") == "DELEGATED_ADMIN":
        if not _is_delegated_admin(org, caller):
            raise _validation("Account used is not a delegated administrator")
    elif caller != mgmt:
        raise _validation("You must be the master or delegated admin account of an organization before operating a SERVICE_MANAGED stack set")
    return org, mgmt


def _require_access(mgmt):
    # "Trusted access with AWS Organizations must be activated before
    # delegated administrators can deploy" and before any service-managed
    # stack set (User Guide, "Activate trusted access for StackSets with AWS
    # Organizations"); the error as pepperize/cdk-organizations#1718 reports
    # it, which also reports that enabling the service principal through
    # Organizations' EnableAWSServiceAccess alone did not activate it: here
    # only ActivateOrganizationsAccess does.
    if mgmt not in ACCESS:
        raise _validation("You must enable organizations access to operate a service managed stack set")


def _ancestors(org, parent_id):
    """parent_id and every OU above it, up to the root."""
    by_id = {ou.id: ou for ou in org.ou}
    out = []
    while parent_id in by_id:
        out.append(parent_id)
        parent_id = by_id[parent_id].parent_id
    return out


def _accounts_under(org, mgmt, ou_ids):
    """The accounts in ou_ids or in any OU below them, the management account
    left out: "StackSets doesn't deploy stack instances to the organization
    management account, even if the organization management account is in
    your organization or in an OU in your organization" (API Reference,
    DeploymentTargets). Targeting an OU targets its child OUs too (User
    Guide, "Create a stack set with service-managed permissions": "... the
    accounts in the specified OUs and any child OUs"; cdklabs/cdk-stacksets'
    README: "If the OU is nested it will also deploy to all accounts that are
    part of any nested OUs")."""
    out = []
    for acct in org.accounts:
        if acct.id == mgmt or getattr(acct, "status", "ACTIVE") != "ACTIVE":
            continue
        hit = next((ou for ou in _ancestors(org, acct.parent_id) if ou in ou_ids), None)
        if hit is not None:
            out.append((acct.id, hit))
    return out


def _check_ous(org, ou_ids):
    known = {ou.id for ou in org.ou}
    for ou in ou_ids:
        if ou not in known:
            # AWS's text for an unknown OU the docs do not give.
            raise _validation(f"OrganizationalUnitId {ou} does not exist in the organization")


# --- templates -----------------------------------------------------------------


IAM_TYPES = {"AWS::IAM::Role", "AWS::IAM::Policy", "AWS::IAM::ManagedPolicy", "AWS::IAM::User", "AWS::IAM::Group",
             "AWS::IAM::InstanceProfile", "AWS::IAM::AccessKey", "AWS::IAM::UserToGroupAddition"}
NAME_PROPS = {"AWS::IAM::Role": "RoleName", "AWS::IAM::ManagedPolicy": "ManagedPolicyName", "AWS::IAM::User": "UserName",
              "AWS::IAM::Group": "GroupName", "AWS::IAM::InstanceProfile": "InstanceProfileName"}


def _parse(body):
    from moto.cloudformation.models import Stack

    try:
        return Stack.parse_template(body)
    except Exception as e:
        raise _validation(f"Template format error: {e}")


def _check_template(body, capabilities, service_managed, inline=True):
    """inline: the template came as TemplateBody (the limit below), not
    from a TemplateURL, whose limit the docs give twice over: 1 MB for a
    stack's template in S3 ("Understand CloudFormation quotas") and
    460,800 bytes in the StackSet resource's schema; neither is enforced."""
    size = len(body.encode("utf-8"))
    if inline and size > TEMPLATE_BODY_LIMIT:
        raise _validation("1 validation error detected: Value at 'templateBody' failed to satisfy constraint: "
                          f"Member must have length less than or equal to {TEMPLATE_BODY_LIMIT} (it has {size} bytes; "
                          "pass a TemplateURL instead)")
    tpl = _parse(body)
    if service_managed and tpl.get("Transform"):
        # "StackSets does not currently support creating or updating stack
        # sets with service-managed permissions from templates that contain
        # macros. This includes transforms" (User Guide, "Understand
        # CloudFormation quotas", StackSets and macros).
        raise _validation("StackSets with service-managed permissions do not support templates that contain macros or transforms")
    # IAM resources need CAPABILITY_IAM, named ones CAPABILITY_NAMED_IAM
    # (User Guide, "Acknowledging IAM resources in CloudFormation
    # templates"; CreateStackSet Capabilities).
    need = None
    for r in (tpl.get("Resources") or {}).values():
        t = r.get("Type", "")
        if t in IAM_TYPES:
            need = need or "CAPABILITY_IAM"
            if (r.get("Properties") or {}).get(NAME_PROPS.get(t, "-")):
                need = "CAPABILITY_NAMED_IAM"
    have = set(capabilities or [])
    if need == "CAPABILITY_NAMED_IAM" and "CAPABILITY_NAMED_IAM" not in have or need == "CAPABILITY_IAM" and not have & {"CAPABILITY_IAM", "CAPABILITY_NAMED_IAM"}:
        raise _error("InsufficientCapabilitiesException", f"Requires capabilities : [{need}]")
    return tpl


# --- operation preferences -----------------------------------------------------------


def _int(v):
    return None if v in (None, "") else int(v)


def _preferences(p):
    """OperationPreferences checked (API Reference,
    StackSetOperationPreferences): FailureToleranceCount or
    FailureTolerancePercentage, not both; MaxConcurrentCount or
    MaxConcurrentPercentage, not both."""
    p = p or {}
    fc, fp = _int(p.get("FailureToleranceCount")), _int(p.get("FailureTolerancePercentage"))
    mc, mp = _int(p.get("MaxConcurrentCount")), _int(p.get("MaxConcurrentPercentage"))
    if fc is not None and fp is not None:
        raise _validation("You can specify either FailureToleranceCount or FailureTolerancePercentage, but not both")
    if mc is not None and mp is not None:
        raise _validation("You can specify either MaxConcurrentCount or MaxConcurrentPercentage, but not both")
    # ranges: the AWS::CloudFormation::StackSet schema's OperationPreferences
    for name, v, lo, hi in (("FailureToleranceCount", fc, 0, None), ("FailureTolerancePercentage", fp, 0, 100),
                            ("MaxConcurrentCount", mc, 1, None), ("MaxConcurrentPercentage", mp, 0, 100)):
        if v is not None and (v < lo or hi is not None and v > hi):
            raise _validation(f"{name}: {v} is out of range")
    mode = p.get("ConcurrencyMode") or "STRICT_FAILURE_TOLERANCE"
    rtype = p.get("RegionConcurrencyType") or "SEQUENTIAL"
    if mode not in ("STRICT_FAILURE_TOLERANCE", "SOFT_FAILURE_TOLERANCE"):
        raise _validation(f"ConcurrencyMode {mode!r} is not STRICT_FAILURE_TOLERANCE or SOFT_FAILURE_TOLERANCE")
    if rtype not in ("SEQUENTIAL", "PARALLEL"):
        raise _validation(f"RegionConcurrencyType {rtype!r} is not SEQUENTIAL or PARALLEL")
    return {"fc": fc, "fp": fp, "mc": mc, "mp": mp, "mode": mode, "parallel": rtype == "PARALLEL",
            "order": list(p.get("RegionOrder") or [])}


def _tolerance(prefs, n):
    # "The number of accounts, per Region, for which this operation can fail
    # before CloudFormation stops the operation in that Region"; a
    # percentage "rounds down to the next whole number" (API Reference,
    # StackSetOperationPreferences). Default 0.
    if prefs["fc"] is not None:
        return prefs["fc"]
    if prefs["fp"] is not None:
        return math.floor(n * prefs["fp"] / 100)
    return 0


def _concurrency(prefs, n, tolerance):
    # MaxConcurrentPercentage rounds down, "if the rounded-down value is 0,
    # CloudFormation sets the number as one instead"; with
    # STRICT_FAILURE_TOLERANCE "MaxConcurrentCount is at most one more than
    # the FailureToleranceCount" (StackSetOperationPreferences). Whether AWS
    # refuses a larger count or lowers it the docs do not say: it is lowered
    # here. Default 1.
    if prefs["mc"] is not None:
        c = prefs["mc"]
    elif prefs["mp"] is not None:
        c = max(1, math.floor(n * prefs["mp"] / 100))
    else:
        c = 1
    if prefs["mode"] == "STRICT_FAILURE_TOLERANCE":
        c = min(c, tolerance + 1)
    return max(1, c)


# --- stack instances ---------------------------------------------------------------


class OrgInstance:
    """A stack instance of a service-managed stack set: a real stack in the
    member account, made through that account's CloudFormation backend."""

    def __init__(self, ss, account, region, ou, overrides):
        self.stackset_id = ss.id
        self.account_id = account
        self.region_name = region
        self.ou = ou
        self.parameters = list(overrides or [])  # ParameterOverrides
        self.stack = None
        self.status = "OUTDATED"
        self.detailed = "PENDING"
        self.reason = None
        self.operation_id = None

    def _backend(self):
        from moto.cloudformation.models import cloudformation_backends

        return cloudformation_backends[self.account_id][self.region_name]

    def _params(self, ss):
        params = dict(ss.parameters or {})
        params.update({o["ParameterKey"]: o["ParameterValue"] for o in self.parameters})
        return params

    def deploy(self, ss, operation_id):
        """Create or update the instance's stack from the stack set's
        template; True when it ended CREATE_ or UPDATE_COMPLETE. A failure is
        the instance's (OUTDATED, FAILED, the reason), never the caller's:
        "If the stack instance fails ... the stack instance status is
        OUTDATED" (API Reference, StackInstanceSummary)."""
        self.operation_id = operation_id
        backend = self._backend()
        saved = (getattr(L._OP, "failed", None), getattr(L._OP, "resource", None))
        L._OP.resource = None
        try:
            if self.stack is not None and self.stack.status in ("ROLLBACK_COMPLETE", "ROLLBACK_FAILED", "DELETE_COMPLETE"):
                if self.stack.status != "DELETE_COMPLETE":
                    backend.delete_stack(self.stack.stack_id)
                self.stack = None
            if self.stack is None:
                # Service-managed stack instances' stacks are named
                # StackSet-<stack set name>-<id> (User Guide, "StackSets
                # concepts": "stack instance ... stack name StackSet-...").
                name = f"StackSet-{ss.name}-{uuid.uuid4()}"
                self.stack = backend.create_stack(name=name, template=ss.template, parameters=self._params(ss),
                                                  tags=dict(ss.tags or {}))
            else:
                self._update(ss)
        except Exception as e:
            return self._failed(f"{L._error_code(e)}: {getattr(e, 'message', None) or e}")
        finally:
            L._OP.failed, L._OP.resource = saved
        if self.stack.status in ("CREATE_COMPLETE", "UPDATE_COMPLETE"):
            self.status, self.detailed, self.reason = "CURRENT", "SUCCEEDED", None
            return True
        return self._failed(f"ResourceLogicalId:{self._failed_resource()}, ResourceStatus:{self.stack.status}, "
                            f"ResourceStatusReason:{getattr(self.stack, 'stack_status_reason', '') or ''}")

    def _failed_resource(self):
        # the resource that failed, not the stack's own ROLLBACK_FAILED
        for e in reversed(self.stack.events):
            if e.logical_resource_id != self.stack.name and str(e.resource_status) in ("CREATE_FAILED", "UPDATE_FAILED"):
                return f"{e.logical_resource_id} ({e.resource_status_reason})"
        return self.stack.name

    def _failed(self, reason):
        self.status, self.detailed, self.reason = "OUTDATED", "FAILED", reason
        log.warning("stack set instance %s %s: %s", self.account_id, self.region_name, reason)
        return False

    def _update(self, ss):
        # An update that fails returns the stack to its previous template
        # (UPDATE_ROLLBACK_COMPLETE), as the launcher's change sets do.
        stack = self.stack
        previous = (copy.deepcopy(stack.template_dict), copy.deepcopy(stack.resource_map.input_parameters), stack.template)
        L._OP.failed = None
        try:
            stack.update(ss.template, parameters=self._params(ss))
        except Exception as e:
            logical_id, _, err = getattr(L._OP, "failed", None) or (stack.name, "", e)
            stack.events.append(_event(stack, logical_id, "UPDATE_FAILED", str(getattr(err, "message", None) or err)))
            stack.status = "UPDATE_ROLLBACK_IN_PROGRESS"
            try:
                stack.resource_map.update(previous[0], previous[1])
                stack.template_dict, stack.template = previous[0], previous[2]
                stack.status = "UPDATE_ROLLBACK_COMPLETE"
            except Exception as re:
                stack.status = "UPDATE_ROLLBACK_FAILED"
                log.warning("stack %s: rollback failed: %s", stack.name, re)
            stack.stack_status_reason = f"The following resource(s) failed to update: [{logical_id}]."

    def remove(self, retain):
        """Delete the instance's stack unless retained ("RetainStacks:
        Removes the stack instances from the specified stack set, but
        doesn't delete the stacks" (API Reference, DeleteStackInstances));
        True when the instance may leave its stack set. A stack that fails
        to delete leaves the instance INOPERABLE: "A DeleteStackInstances
        operation has failed and left the stack in an unstable state"
        (User Guide, "StackSets concepts", stack instance status codes)."""
        if self.stack is None or retain or self.stack.status == "DELETE_COMPLETE":
            return True
        saved = (getattr(L._OP, "failed", None), getattr(L._OP, "resource", None))
        L._OP.resource = None
        try:
            self._backend().delete_stack(self.stack.stack_id)
            return True
        except Exception as e:
            self.status, self.detailed = "INOPERABLE", "FAILED"
            self.reason = f"{L._error_code(e)}: {getattr(e, 'message', None) or e}"
            log.warning("stack set instance %s %s: delete failed: %s", self.account_id, self.region_name, self.reason)
            return False
        finally:
            L._OP.failed, L._OP.resource = saved

    def delete(self):  # moto's StackInstances.delete calls this
        self.remove(False)

    def to_dict(self):
        d = {
            "StackSetId": self.stackset_id,
            "Region": self.region_name,
            "Account": self.account_id,
            "Status": self.status,
            "StackInstanceStatus": {"DetailedStatus": self.detailed},
            "OrganizationalUnitId": self.ou,
            "ParameterOverrides": self.parameters,
            "DriftStatus": "NOT_CHECKED",
        }
        if self.stack is not None:
            d["StackId"] = self.stack.stack_id
        if self.reason:
            d["StatusReason"] = self.reason
        if self.operation_id:
            d["LastOperationId"] = self.operation_id
        return d


def _event(stack, logical_id, status, reason):
    import moto.cloudformation.models as cfm

    return cfm.Event(stack_id=stack.stack_id, stack_name=stack.name, logical_resource_id=logical_id,
                     physical_resource_id="", resource_type="", resource_status=status,
                     resource_status_reason=reason, resource_properties=None)


def _service_managed(ss):
    return getattr(ss, "permission_model", "") == "SERVICE_MANAGED" and hasattr(ss, "targets")


def _instances(ss):
    return [i for i in ss.instances.stack_instances if isinstance(i, OrgInstance)]


def _instance(ss, account, region):
    return next((i for i in _instances(ss) if i.account_id == account and i.region_name == region), None)


def _run(ss, action, work, prefs):
    """Run one stack set operation over work, a list of (instance, job) with
    job(instance, operation id) -> True when it succeeded, region by region
    as the operation preferences say (see _tolerance and _concurrency):
    in a region, batches of the concurrency; once the failures exceed the
    tolerance the region stops, its remaining instances CANCELLED; with
    SEQUENTIAL regions "If the operation is stopped in a Region,
    CloudFormation doesn't attempt the operation in any subsequent Regions"
    (StackSetOperationPreferences), with PARALLEL every region runs. Returns
    the operation id; the operation is recorded on the stack set."""
    from moto.core.utils import utcnow

    op_id = str(uuid.uuid4())
    by_region = {}
    for inst, job in work:
        by_region.setdefault(inst.region_name, []).append((inst, job))
    regions = [r for r in prefs["order"] if r in by_region] + [r for r in by_region if r not in prefs["order"]]
    results, failed, stopped = [], False, False
    for region in regions:
        items = by_region[region]
        tolerance = _tolerance(prefs, len(items))
        batch = _concurrency(prefs, len(items), tolerance)
        failures = 0
        for start in range(0, len(items), batch):
            # a batch runs at once: the stop takes effect between batches
            cancel = stopped and not prefs["parallel"] or failures > tolerance
            for inst, job in items[start:start + batch]:
                if cancel:
                    inst.detailed = "CANCELLED"
                    inst.reason = "Cancelled since failure tolerance has exceeded"
                    results.append(_result(inst, "CANCELLED"))
                    continue
                ok = job(inst, op_id)
                failures += 0 if ok else 1
                results.append(_result(inst, "SUCCEEDED" if ok else "FAILED"))
        if failures > tolerance:
            failed = True
            stopped = True
    ss.operations.append({
        "OperationId": op_id, "Action": action, "Status": "FAILED" if failed else "SUCCEEDED",
        "CreationTimestamp": utcnow(), "EndTimestamp": utcnow(),
        "Instances": [{r["Account"]: r["Region"]} for r in results], "Results": results,
    })
    return op_id


def _result(inst, status):
    r = {"Account": inst.account_id, "Region": inst.region_name, "Status": status,
         "OrganizationalUnitId": inst.ou,
         "AccountGateResult": {"Status": "SKIPPED", "StatusReason": "No account gate function is configured"}}
    if inst.reason and status != "SUCCEEDED":
        r["StatusReason"] = inst.reason
    return r


def _deploy_job(ss):
    return lambda inst, op_id: inst.deploy(ss, op_id)


def _check_overrides(ss, overrides):
    # "You can only override the parameter values that are specified in the
    # stack set" (API Reference, CreateStackInstances ParameterOverrides).
    declared = set((_parse(ss.template).get("Parameters") or {}).keys())
    for o in overrides or []:
        if o.get("ParameterKey") not in declared:
            raise _validation(f"ParameterOverrides: {o.get('ParameterKey')!r} is not a parameter of the stack set's template "
                              f"(it declares {sorted(declared)})")


# --- the operations, shared by the API and the resource type ----------------------------


def _cfn(account, region):
    from moto.cloudformation.models import cloudformation_backends

    return cloudformation_backends[account][region]


def _bool(v):
    return L._bool(v) if v is not None else False


def create_stack_set(caller, region, p, url_body=None):
    """CreateStackSet for a SERVICE_MANAGED stack set; p holds the API's
    parameters. Returns the stack set (in the management account's
    backend)."""
    call_as = p.get("CallAs") or "SELF"
    with _LOCK:
        org, mgmt = _admin_account(caller, call_as)
        _require_access(mgmt)
        body = url_body if url_body is not None else p.get("TemplateBody")
        if body is None:
            raise _validation("Either TemplateBody or TemplateURL must be specified")
        _check_template(body, p.get("Capabilities"), True, inline=url_body is None)
        backend = _cfn(mgmt, region)
        name = p["StackSetName"]
        if any(s.name == name and s.status != "DELETED" for s in backend.stacksets.values()):
            raise _error("NameAlreadyExistsException", f"StackSet {name} already exists")
        params = {x["ParameterKey"]: x["ParameterValue"] for x in p.get("Parameters") or []}
        tags = {t["Key"]: t["Value"] for t in p.get("Tags") or []}
        ss = backend.create_stack_set(name=name, template=body, parameters=params, tags=tags,
                                      permission_model="SERVICE_MANAGED", admin_role=None, exec_role=None,
                                      description=p.get("Description"))
        _set_auto_deployment(ss, p.get("AutoDeployment"))
        ss.capabilities = list(p.get("Capabilities") or [])
        ss.organizational_unit_ids = []
        ss.targets = {}  # OU -> regions: the auto-deployment targets
        REGISTRY.append((mgmt, region, ss.id))
        return ss


def _set_auto_deployment(ss, ad):
    ad = ad or {}
    enabled = _bool(ad.get("Enabled"))
    retain = _bool(ad.get("RetainStacksOnAccountRemoval"))
    if retain and not enabled:
        # "RetainStacksOnAccountRemoval ... Specify only if Enabled is set to
        # True" (AWS::CloudFormation::StackSet AutoDeployment). That AWS
        # refuses it otherwise is this emulator's reading.
        raise _validation("AutoDeployment: RetainStacksOnAccountRemoval can be set only when Enabled is true")
    ss.auto_deployment = {"Enabled": enabled, "RetainStacksOnAccountRemoval": retain}


def _stack_set(caller, region, name, call_as):
    """A service-managed stack set, found for caller acting as call_as."""
    org, mgmt = _admin_account(caller, call_as)
    _require_access(mgmt)
    ss = _cfn(mgmt, region).describe_stack_set(name)
    return org, mgmt, ss


def create_stack_instances(caller, region, p):
    with _LOCK:
        org, mgmt, ss = _stack_set(caller, region, p["StackSetName"], p.get("CallAs"))
        targets = p.get("DeploymentTargets") or {}
        if p.get("Accounts") or not targets.get("OrganizationalUnitIds"):
            # "[Service-managed permissions] ... For create and delete
            # operations, specify OrganizationalUnitIds" (DeploymentTargets).
            raise _validation("StackSets with SERVICE_MANAGED permission model can only have OrganizationalUnit as target")
        if targets.get("Accounts") or targets.get("AccountsUrl") or targets.get("AccountFilterType") not in (None, "", "NONE"):
            raise _validation("the emulator models DeploymentTargets.OrganizationalUnitIds only (no Accounts or AccountFilterType)")
        ous = list(targets["OrganizationalUnitIds"])
        if len(ous) > 50:
            # "The maximum number of organizational unit (OUs) supported by a
            # CreateStackInstances operation is 50" (CreateStackInstances).
            raise _validation("The maximum number of organizational units supported by a CreateStackInstances operation is 50")
        _check_ous(org, ous)
        regions = list(p.get("Regions") or [])
        if not regions:
            raise _validation("Regions must be specified")
        overrides = p.get("ParameterOverrides") or []
        _check_overrides(ss, overrides)
        prefs = _preferences(p.get("OperationPreferences"))
        for ou in ous:
            ss.targets.setdefault(ou, [])
            ss.targets[ou] += [r for r in regions if r not in ss.targets[ou]]
            if ou not in ss.organizational_unit_ids:
                ss.organizational_unit_ids.append(ou)
        work = []
        for account, ou in _accounts_under(org, mgmt, ous):
            for r in regions:
                inst = _instance(ss, account, r)
                if inst is None:
                    inst = OrgInstance(ss, account, r, ou, overrides)
                    ss.instances.stack_instances.append(inst)
                elif overrides:
                    inst.parameters = list(overrides)
                work.append((inst, _deploy_job(ss)))
        return _run(ss, "CREATE", work, prefs)


def delete_stack_instances(caller, region, p):
    with _LOCK:
        org, mgmt, ss = _stack_set(caller, region, p["StackSetName"], p.get("CallAs"))
        targets = p.get("DeploymentTargets") or {}
        if p.get("Accounts") or not targets.get("OrganizationalUnitIds"):
            raise _validation("StackSets with SERVICE_MANAGED permission model can only have OrganizationalUnit as target")
        if p.get("RetainStacks") is None:
            # RetainStacks is required (API Reference, DeleteStackInstances).
            raise _validation("1 validation error detected: Value null at 'retainStacks' failed to satisfy constraint: Member must not be null")
        retain = _bool(p.get("RetainStacks"))
        ous, regions = list(targets["OrganizationalUnitIds"]), list(p.get("Regions") or [])
        prefs = _preferences(p.get("OperationPreferences"))
        for ou in ous:
            if ou in ss.targets:
                ss.targets[ou] = [r for r in ss.targets[ou] if r not in regions]
                if not ss.targets[ou]:
                    del ss.targets[ou]
                    ss.organizational_unit_ids = [o for o in ss.organizational_unit_ids if o != ou]
        accounts = {a for a, _ in _accounts_under(org, mgmt, ous)}
        work = [(i, _remove_job(ss, retain)) for i in _instances(ss) if i.account_id in accounts and i.region_name in regions]
        return _run(ss, "DELETE", work, prefs)


def _remove_job(ss, retain):
    def job(inst, op_id):
        inst.operation_id = op_id
        if not inst.remove(retain):
            return False
        ss.instances.stack_instances.remove(inst)
        inst.detailed, inst.reason = "SUCCEEDED", None
        return True
    return job


def update_stack_set(caller, region, p, url_body=None):
    with _LOCK:
        org, mgmt, ss = _stack_set(caller, region, p["StackSetName"], p.get("CallAs"))
        inline = url_body is None and p.get("TemplateBody") is not None
        body = url_body if url_body is not None else p.get("TemplateBody")
        if body is None:
            body = ss.template  # UsePreviousTemplate, or no new template
        caps = p.get("Capabilities") if p.get("Capabilities") is not None else getattr(ss, "capabilities", [])
        _check_template(body, caps, True, inline=inline)
        ss.template = body
        ss.capabilities = list(caps or [])
        if p.get("Parameters") is not None:
            ss.parameters = _cfn(mgmt, region)._resolve_update_parameters(instance=ss, incoming_params=p["Parameters"])
        if p.get("Description") is not None:
            ss.description = p["Description"]
        if p.get("AutoDeployment") is not None:
            _set_auto_deployment(ss, p["AutoDeployment"])
        prefs = _preferences(p.get("OperationPreferences"))
        chosen = _chosen(org, mgmt, ss, p)
        work = [(i, _deploy_job(ss)) for i in _instances(ss) if chosen(i)]
        return _run(ss, "UPDATE", work, prefs)


def _chosen(org, mgmt, ss, p):
    """Which instances an update touches: all of them, or those of
    DeploymentTargets (OUs, or Accounts: "For update operations, you can
    specify either Accounts or OrganizationalUnitIds" (DeploymentTargets))
    in Regions."""
    targets = p.get("DeploymentTargets") or {}
    regions = set(p.get("Regions") or [])
    accounts = None
    if targets.get("OrganizationalUnitIds"):
        _check_ous(org, targets["OrganizationalUnitIds"])
        accounts = {a for a, _ in _accounts_under(org, mgmt, targets["OrganizationalUnitIds"])}
    elif targets.get("Accounts"):
        accounts = set(targets["Accounts"])
    return lambda i: (accounts is None or i.account_id in accounts) and (not regions or i.region_name in regions)


def update_stack_instances(caller, region, p):
    with _LOCK:
        org, mgmt, ss = _stack_set(caller, region, p["StackSetName"], p.get("CallAs"))
        if not (p.get("DeploymentTargets") or {}) or not p.get("Regions"):
            raise _validation("DeploymentTargets and Regions must be specified")
        overrides = p.get("ParameterOverrides")
        _check_overrides(ss, overrides)
        prefs = _preferences(p.get("OperationPreferences"))
        chosen = _chosen(org, mgmt, ss, p)
        work = []
        for i in _instances(ss):
            if not chosen(i):
                continue
            if overrides is not None:
                # "To override the current value for a parameter, include the
                # parameter and specify its value. To leave an overridden
                # parameter set to its present value, include the parameter
                # and specify UsePreviousValue as true. ... To set an
                # overridden parameter back to the value specified in the
                # stack set, specify a parameter list but do not include the
                # parameter in the list. To leave all parameters set to their
                # present values, don't specify this property at all."
                # (API Reference, UpdateStackInstances ParameterOverrides)
                kept = {o["ParameterKey"]: o for o in i.parameters}
                i.parameters = [kept[o["ParameterKey"]] if _bool(o.get("UsePreviousValue")) else
                                {"ParameterKey": o["ParameterKey"], "ParameterValue": o["ParameterValue"]}
                                for o in overrides if not _bool(o.get("UsePreviousValue")) or o["ParameterKey"] in kept]
            work.append((i, _deploy_job(ss)))
        if not work:
            # "You can only update stack instances that already exist"
            # (UpdateStackInstances).
            raise _error("StackInstanceNotFoundException", "No stack instances exist for the given targets and regions")
        return _run(ss, "UPDATE", work, prefs)


def delete_stack_set(caller, region, name, call_as):
    with _LOCK:
        org, mgmt, ss = _stack_set(caller, region, name, call_as)
        if ss.stack_instances:
            from moto.cloudformation.exceptions import StackSetNotEmpty

            raise StackSetNotEmpty()
        ss.delete()


# --- auto-deployment -----------------------------------------------------------------------


def _auto_stack_sets(mgmt):
    for m, region, ss_id in REGISTRY:
        if m != mgmt:
            continue
        ss = _cfn(m, region).stacksets.get(ss_id)
        if ss is not None and ss.status != "DELETED" and ss.auto_deployment.get("Enabled"):
            yield ss


def _targeting(org, ss, parent_id):
    """{region: OU} of ss's auto-deployment targets that an account under
    parent_id is in (its OU or any OU above it)."""
    out = {}
    for ou in _ancestors(org, parent_id):
        for r in ss.targets.get(ou, []):
            out.setdefault(r, ou)
    return out


def _reconcile(org, mgmt, account_id, before, after):
    """An account moved from parent before to parent after (None: not in the
    organization): "If set to true, StackSets automatically deploys
    additional stack instances to AWS Organizations accounts that are added
    to a target organization or organizational unit (OU) in the specified
    Regions. If an account is removed from a target organization or OU,
    StackSets deletes stack instances from the account in the specified
    Regions"; RetainStacksOnAccountRemoval: "stack resources are retained"
    (AWS::CloudFormation::StackSet AutoDeployment). "StackSetOperationPreferences
    don't apply to AutoDeployment" (API Reference): the instances are made one
    by one, each failure its own."""
    if account_id == mgmt:
        return
    prefs = _preferences({"MaxConcurrentCount": 1, "FailureTolerancePercentage": 100, "ConcurrencyMode": "SOFT_FAILURE_TOLERANCE"})
    for ss in list(_auto_stack_sets(mgmt)):
        old = _targeting(org, ss, before) if before else {}
        new = _targeting(org, ss, after) if after else {}
        work = []
        for r, ou in new.items():
            inst = _instance(ss, account_id, r)
            if inst is None:
                inst = OrgInstance(ss, account_id, r, ou, [])
                ss.instances.stack_instances.append(inst)
                work.append((inst, _deploy_job(ss)))
            else:
                inst.ou = ou
        retain = ss.auto_deployment.get("RetainStacksOnAccountRemoval", False)
        for r in old:
            if r not in new:
                inst = _instance(ss, account_id, r)
                if inst is not None:
                    work.append((inst, _remove_job(ss, retain)))
        if work:
            log.info("stack set %s: auto-deployment for account %s (%s -> %s): %d instance(s)", ss.name, account_id, before, after, len(work))
            _run(ss, "AUTO_DEPLOYMENT", work, prefs)


def _patch_organizations():
    import moto.organizations.models as om

    # StackSets accepts a delegated administrator (User Guide, "Register a
    # delegated administrator"); moto's list lacks its service principal.
    if SERVICE_PRINCIPAL not in om.FakeDelegatedAdministrator.SUPPORTED_SERVICES:
        om.FakeDelegatedAdministrator.SUPPORTED_SERVICES.append(SERVICE_PRINCIPAL)

    orig_create = om.OrganizationsBackend.create_account

    def create_account(self, **kwargs):
        out = orig_create(self, **kwargs)
        with _LOCK:
            try:
                org, mgmt = _org(self.account_id)
                account_id = out["CreateAccountStatus"]["AccountId"]
                acct = org.get_account_by_id(account_id)
                _reconcile(org, mgmt, account_id, None, acct.parent_id)
            except Exception:
                log.exception("stack set auto-deployment after CreateAccount failed")
        return out

    orig_move = om.OrganizationsBackend.move_account

    def where(backend, account_id):
        """(org, management account, the account's parent) or None, for
        the call itself to fail as Organizations does."""
        try:
            org, mgmt = _org(backend.account_id)
            return org, mgmt, org.get_account_by_id(account_id).parent_id
        except Exception:
            return None

    def move_account(self, **kwargs):
        w = where(self, kwargs.get("AccountId"))
        out = orig_move(self, **kwargs)
        if w is not None:
            with _LOCK:
                _reconcile(w[0], w[1], kwargs["AccountId"], w[2], kwargs["DestinationParentId"])
        return out

    orig_remove = om.OrganizationsBackend.remove_account_from_organization

    def remove_account_from_organization(self, **kwargs):
        w = where(self, kwargs.get("AccountId"))
        out = orig_remove(self, **kwargs)
        if w is not None:
            with _LOCK:
                _reconcile(w[0], w[1], kwargs["AccountId"], w[2], None)
        return out

    om.OrganizationsBackend.create_account = create_account
    om.OrganizationsBackend.move_account = move_account
    om.OrganizationsBackend.remove_account_from_organization = remove_account_from_organization


# --- the API -----------------------------------------------------------------------------


def _patch_api():
    import moto.cloudformation.responses as cfr
    from moto.core.responses import ActionResult, EmptyResult

    R = cfr.CloudFormationResponse
    orig_backend = R.cloudformation_backend

    def cloudformation_backend(self):
        # A delegated administrator's calls reach the stack sets in the
        # management account, where they live.
        if self._get_action() in STACK_SET_ACTIONS and self._get_param("CallAs") == "DELEGATED_ADMIN":
            _, mgmt = _admin_account(self.current_account, "DELEGATED_ADMIN")
            return _cfn(mgmt, self.region)
        return orig_backend.fget(self)

    R.cloudformation_backend = property(cloudformation_backend)

    def params(self, *names):
        return {n: self._get_param(n) for n in names if self._get_param(n) is not None}

    def service_managed(self, name):
        ss = self.cloudformation_backend.stacksets.get(name) or next(
            (s for s in self.cloudformation_backend.stacksets.values() if s.name == name and s.status != "DELETED"), None)
        return ss if ss is not None and _service_managed(ss) else None

    def url_body(self):
        url = self._get_param("TemplateURL")
        return self._get_stack_from_s3_url(url) if url else None

    orig_create_set = R.create_stack_set

    def r_create_stack_set(self):
        if self._get_param("PermissionModel") != "SERVICE_MANAGED":
            if self._get_param("AutoDeployment") is not None:
                # "AutoDeployment ... Valid only if the StackSet uses
                # service-managed permissions" (API Reference, StackSet).
                raise _validation("AutoDeployment is valid only for StackSets with SERVICE_MANAGED permission model")
            return orig_create_set(self)
        p = params(self, "StackSetName", "TemplateBody", "Parameters", "Tags", "Description", "Capabilities",
                   "AutoDeployment", "CallAs")
        ss = create_stack_set(self.current_account, self.region, p, url_body=url_body(self))
        return ActionResult({"StackSetId": ss.id})

    orig_create_instances = R.create_stack_instances

    def r_create_stack_instances(self):
        if service_managed(self, self._get_param("StackSetName")) is None:
            return orig_create_instances(self)
        p = params(self, "StackSetName", "Accounts", "Regions", "ParameterOverrides", "OperationPreferences", "CallAs")
        p["DeploymentTargets"] = self._get_params().get("DeploymentTargets")
        return ActionResult({"OperationId": create_stack_instances(self.current_account, self.region, p)})

    orig_delete_instances = R.delete_stack_instances

    def r_delete_stack_instances(self):
        if service_managed(self, self._get_param("StackSetName")) is None:
            return orig_delete_instances(self)
        p = params(self, "StackSetName", "Accounts", "Regions", "RetainStacks", "OperationPreferences", "CallAs")
        p["DeploymentTargets"] = self._get_params().get("DeploymentTargets")
        return ActionResult({"OperationId": delete_stack_instances(self.current_account, self.region, p)})

    orig_update_set = R.update_stack_set

    def r_update_stack_set(self):
        if service_managed(self, self._get_param("StackSetName")) is None:
            return orig_update_set(self)
        p = params(self, "StackSetName", "TemplateBody", "UsePreviousTemplate", "Parameters", "Description",
                   "Capabilities", "AutoDeployment", "OperationPreferences", "Regions", "CallAs")
        p["DeploymentTargets"] = self._get_params().get("DeploymentTargets")
        return ActionResult({"OperationId": update_stack_set(self.current_account, self.region, p, url_body=url_body(self))})

    orig_update_instances = R.update_stack_instances

    def r_update_stack_instances(self):
        if service_managed(self, self._get_param("StackSetName")) is None:
            return orig_update_instances(self)
        p = params(self, "StackSetName", "Regions", "ParameterOverrides", "OperationPreferences", "CallAs")
        p["DeploymentTargets"] = self._get_params().get("DeploymentTargets")
        return ActionResult({"OperationId": update_stack_instances(self.current_account, self.region, p)})

    orig_delete_set = R.delete_stack_set

    def r_delete_stack_set(self):
        ss = service_managed(self, self._get_param("StackSetName"))
        if ss is None:
            return orig_delete_set(self)
        delete_stack_set(self.current_account, self.region, ss.id, self._get_param("CallAs"))
        return EmptyResult()

    orig_results = R.list_stack_set_operation_results

    def r_list_stack_set_operation_results(self):
        ss = service_managed(self, self._get_param("StackSetName"))
        if ss is None:
            return orig_results(self)
        op = ss.get_operation(self._get_param("OperationId"))
        return ActionResult({"Summaries": op.get("Results", [])})

    def r_list_stack_set_auto_deployment_targets(self):
        ss = service_managed(self, self._get_param("StackSetName"))
        if ss is None:
            raise _error("StackSetNotFoundException", f"StackSet {self._get_param('StackSetName')} not found")
        return ActionResult({"Summaries": [{"OrganizationalUnitId": ou, "Regions": regions} for ou, regions in ss.targets.items()]})

    # Trusted access (API Reference, ActivateOrganizationsAccess: "With
    # trusted access between StackSets and Organizations activated, the
    # management account has permissions to create and manage StackSets for
    # your organization"; "To activate trusted access, you must be an
    # administrator user in the management account" (User Guide)). It enables
    # the service principal in Organizations too (trusted access is an
    # Organizations setting: ListAWSServiceAccessForOrganization lists it).
    def r_activate_organizations_access(self):
        org, mgmt = _org(self.current_account)
        if self.current_account != mgmt:
            # which error AWS gives a member account the docs do not say
            raise _error("InvalidOperationException", "Only the management account of the organization can activate organizations access")
        org.enable_aws_service_access(ServicePrincipal=SERVICE_PRINCIPAL)
        ACCESS.add(mgmt)
        return EmptyResult()

    def r_deactivate_organizations_access(self):
        org, mgmt = _org(self.current_account)
        if self.current_account != mgmt:
            raise _error("InvalidOperationException", "Only the management account of the organization can deactivate organizations access")
        org.disable_aws_service_access(ServicePrincipal=SERVICE_PRINCIPAL)
        ACCESS.discard(mgmt)
        return EmptyResult()

    def r_describe_organizations_access(self):
        org, mgmt = _admin_account(self.current_account, self._get_param("CallAs"))
        return ActionResult({"Status": "ENABLED" if mgmt in ACCESS else "DISABLED"})

    for fn in (r_create_stack_set, r_create_stack_instances, r_delete_stack_instances, r_update_stack_set, r_update_stack_instances, r_delete_stack_set, r_list_stack_set_operation_results, r_list_stack_set_auto_deployment_targets, r_activate_organizations_access, r_deactivate_organizations_access, r_describe_organizations_access):
        setattr(R, fn.__name__.removeprefix("r_"), fn)

    # What moto's StackSet lacks for DescribeStackSet.
    import moto.cloudformation.models as cfm

    for attr, default in (("auto_deployment", None), ("organizational_unit_ids", None), ("capabilities", None)):
        if not hasattr(cfm.StackSet, attr):
            setattr(cfm.StackSet, attr, default)


def _patch_reset():
    from moto.moto_api._internal.models import moto_api_backend

    orig_reset = type(moto_api_backend).reset

    def reset(self):
        with _LOCK:
            ACCESS.clear()
            REGISTRY.clear()
        return orig_reset(self)

    type(moto_api_backend).reset = reset


# --- AWS::CloudFormation::StackSet ------------------------------------------------------------


def _register_resource_type():
    from moto.cloudformation.exceptions import UnformattedGetAttTemplateException
    from moto.cloudformation.utils import get_stack_from_s3_url
    from moto.core.common_models import CloudFormationModel
    from moto.utilities.utils import get_partition

    class StackSetResource(CloudFormationModel):
        """AWS::CloudFormation::StackSet with PermissionModel SERVICE_MANAGED
        (the template reference's properties; its handlers call
        CreateStackSet, CreateStackInstances, UpdateStackSet,
        Create/Update/DeleteStackInstances and DeleteStackSet, and fail when
        an operation fails). Ref and Fn::GetAtt StackSetId give the stack
        set's id."""

        __module__ = L.MOTO_MODULE

        def __init__(self, ss_id, name, caller, region, call_as, groups):
            self.id, self.name, self.caller, self.region, self.call_as, self.groups = ss_id, name, caller, region, call_as, groups

        @property
        def physical_resource_id(self):
            return self.id

        @staticmethod
        def cloudformation_type():
            return "AWS::CloudFormation::StackSet"

        @staticmethod
        def cloudformation_name_type():
            return ""  # StackSetName is required (the resource's schema): none is generated

        @classmethod
        def has_cfn_attr(cls, attr):
            return attr == "StackSetId"

        def get_cfn_attribute(self, attribute_name):
            if attribute_name == "StackSetId":
                return self.id
            raise UnformattedGetAttTemplateException()

        @staticmethod
        def _props(cloudformation_json, account_id, region_name):
            props = dict(cloudformation_json.get("Properties") or {})
            if props.get("PermissionModel") != "SERVICE_MANAGED":
                raise _validation("the emulator models AWS::CloudFormation::StackSet with PermissionModel SERVICE_MANAGED only")
            body = props.get("TemplateBody")
            if body is not None and not isinstance(body, str):
                # TemplateBody is a String (the resource's schema)
                raise _validation("#/TemplateBody: expected type: String, found: JSONObject")
            if props.get("TemplateURL"):
                return props, get_stack_from_s3_url(props["TemplateURL"], account_id=account_id, partition=get_partition(region_name))
            return props, None

        @staticmethod
        def _fail_if_failed(caller, region, name, call_as, op_id):
            _, _, ss = _stack_set(caller, region, name, call_as)
            op = ss.get_operation(op_id)
            if op["Status"] != "SUCCEEDED":
                failed = [f"{r['Account']} {r['Region']}: {r.get('StatusReason', r['Status'])}" for r in op["Results"] if r["Status"] != "SUCCEEDED"]
                # The handler's text the docs do not give.
                raise _validation(f"Stack set operation {op_id} failed: " + "; ".join(failed))

        @classmethod
        def _apply_groups(cls, caller, region, name, call_as, groups, prefs):
            for g in groups:
                op = create_stack_instances(caller, region, {"StackSetName": name, "CallAs": call_as,
                                                             "DeploymentTargets": g.get("DeploymentTargets"),
                                                             "Regions": g.get("Regions"),
                                                             "ParameterOverrides": g.get("ParameterOverrides"),
                                                             "OperationPreferences": prefs})
                cls._fail_if_failed(caller, region, name, call_as, op)

        @classmethod
        def create_from_cloudformation_json(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs):
            props, body = cls._props(cloudformation_json, account_id, region_name)
            if not props.get("StackSetName"):
                raise _validation("#: required key [StackSetName] not found")
            ss = create_stack_set(account_id, region_name, props, url_body=body)
            call_as = props.get("CallAs") or "SELF"
            groups = list(props.get("StackInstancesGroup") or [])
            res = cls(ss.id, ss.name, account_id, region_name, call_as, groups)
            try:
                cls._apply_groups(account_id, region_name, ss.name, call_as, groups, props.get("OperationPreferences"))
            except Exception:
                # The resource failed, so the stack rolls back without it:
                # the stack set goes too, so that the next deploy can create
                # it again. Whether AWS's handler leaves it behind on a
                # failed create the docs do not say.
                try:
                    res.delete(account_id, region_name)
                except Exception as e:
                    log.warning("stack set %s: cleanup after the failed create: %s", ss.name, e)
                raise
            return res

        @classmethod
        def update_from_cloudformation_json(cls, original_resource, new_resource_name, cloudformation_json, account_id, region_name):
            props, body = cls._props(cloudformation_json, account_id, region_name)
            # PermissionModel and StackSetName are create-only (the
            # resource's schema): a new name replaces the stack set.
            if props.get("StackSetName", original_resource.name) != original_resource.name:
                new = cls.create_from_cloudformation_json(new_resource_name, cloudformation_json, account_id, region_name)
                original_resource.delete(account_id, region_name)
                return new
            o = original_resource
            call_as = props.get("CallAs") or "SELF"
            prefs = props.get("OperationPreferences")
            groups = list(props.get("StackInstancesGroup") or [])
            key = lambda g: (tuple(sorted((g.get("DeploymentTargets") or {}).get("OrganizationalUnitIds") or [])), tuple(sorted(g.get("Regions") or [])))
            old = {key(g): g for g in o.groups}
            cur = {key(g): g for g in groups}
            for k, g in old.items():
                if k not in cur:
                    op = delete_stack_instances(account_id, region_name, {"StackSetName": o.name, "CallAs": call_as,
                                                                          "DeploymentTargets": g.get("DeploymentTargets"),
                                                                          "Regions": g.get("Regions"), "RetainStacks": False,
                                                                          "OperationPreferences": prefs})
                    cls._fail_if_failed(account_id, region_name, o.name, call_as, op)
            p = {k: v for k, v in props.items() if k in ("TemplateBody", "Parameters", "Description", "Capabilities", "AutoDeployment", "CallAs")}
            p.update(StackSetName=o.name, OperationPreferences=prefs)
            op = update_stack_set(account_id, region_name, p, url_body=body)
            cls._fail_if_failed(account_id, region_name, o.name, call_as, op)
            cls._apply_groups(account_id, region_name, o.name, call_as, [g for k, g in cur.items() if k not in old], prefs)
            for k, g in cur.items():
                if k in old and (g.get("ParameterOverrides") or []) != (old[k].get("ParameterOverrides") or []):
                    op = update_stack_instances(account_id, region_name, {"StackSetName": o.name, "CallAs": call_as,
                                                                          "DeploymentTargets": g.get("DeploymentTargets"),
                                                                          "Regions": g.get("Regions"),
                                                                          "ParameterOverrides": g.get("ParameterOverrides"),
                                                                          "OperationPreferences": prefs})
                    cls._fail_if_failed(account_id, region_name, o.name, call_as, op)
            o.groups, o.call_as = groups, call_as
            return o

        @classmethod
        def delete_from_cloudformation_json(cls, resource_name, cloudformation_json, account_id, region_name):
            pass  # through delete()

        def delete(self, account_id, region_name):
            try:
                _, _, ss = _stack_set(self.caller, self.region, self.id, self.call_as)
            except Exception:
                return
            with _LOCK:
                left = [i for i in _instances(ss) if not i.remove(False)]
                if left:
                    # the handler's text the docs do not give
                    raise _validation(f"Stack set {ss.name}: {len(left)} stack instance(s) failed to delete: " +
                                      "; ".join(f"{i.account_id} {i.region_name}: {i.reason}" for i in left))
                ss.instances.stack_instances.clear()
                ss.targets.clear()
                ss.delete()

        def is_created(self):
            return True
