"""Deploys the compliance and Systems Manager templates into launcher.py and
reads every resource back through its service's API; exits 1 on any failure.

Usage: python3 check_models.py [--endpoint http://localhost:PORT] [-v]

Without --endpoint it starts launcher.py (beside this file) on a free
loopback port and stops it at the end. It needs python3 with moto 5.2.1 and
boto3, and neither network nor Docker. emulator_test.go's TestComplianceModels
runs it.

testdata/*.template.json are the CloudFormation templates the construct
packages synthesize (each package's Example(): configrecorder,
conformancepack, cisalarms, sessionmanager, patching, agents), with the
cdk-nag metadata dropped; re-synthesize them when a construct's resources
change. The template built in custom_template() covers the types and
Custom::AWS calls no construct has yet (custom Config rule, remediation,
account hardening).

Every check creates, updates and deletes stacks through CloudFormation as the
CDK CLI does, in the accounts of a small organization (management
111111111111, security 222222222222 - AWS Config's delegated administrator -,
workload 333333333333), and also asserts that what AWS refuses is refused.
"""

import argparse
import copy
import io
import json
import os
import socket
import subprocess
import sys
import time
import traceback
import urllib.request
import zipfile

import boto3
from botocore.config import Config

HERE = os.path.dirname(os.path.abspath(__file__))
MGMT, SECURITY, WORKLOAD = "111111111111", "222222222222", "333333333333"
ARCHIVE = "example-log-archive"
ASSET = "9b8fce7ae7f25ef82fdbaf6b72523b99d0875c0c9c826642819fb51f11d9b125.zip"

ENDPOINT = None
LOG = None  # the launcher's log, when this script started it
VERBOSE = False
FAILURES = []


def client(service, account, region="us-east-1"):
    c = boto3.client(service, region_name=region, endpoint_url=ENDPOINT, aws_access_key_id="AKIAEMULATORCHECK",
                     aws_secret_access_key="fake", config=Config(retries={"max_attempts": 1}, s3={"addressing_style": "path"}))

    def account_header(request, **kwargs):
        request.headers["x-moto-account-id"] = account

    c.meta.events.register("before-sign.*.*", account_header)
    if service == "s3control":
        # The endpoint rules put the account id in the host name
        # (ACCOUNT.localhost); moto serves it on the endpoint itself.
        def plain_host(request, **kwargs):
            request.url = request.url.replace(f"//{account}.", "//", 1)

        c.meta.events.register("before-sign.s3-control.*", plain_host)
    return c


def check(cond, what):
    if cond:
        if VERBOSE:
            print(f"ok   {what}")
    else:
        FAILURES.append(what)
        print(f"FAIL {what}")


def template(name):
    with open(os.path.join(HERE, "testdata", f"{name}.template.json")) as f:
        return json.load(f)


def resources(account, region, stack):
    cfn = client("cloudformation", account, region)
    out = {}
    for r in cfn.list_stack_resources(StackName=stack)["StackResourceSummaries"]:
        out[r["LogicalResourceId"]] = r["PhysicalResourceId"]
    return out


def of_type(tmpl, rtype):
    return sorted(k for k, r in tmpl["Resources"].items() if r["Type"] == rtype)


def deploy(account, region, stack, tmpl, update=False):
    """create_stack (or update_stack) and wait; True when it completed."""
    cfn = client("cloudformation", account, region)
    body = json.dumps(tmpl)
    try:
        if update:
            cfn.update_stack(StackName=stack, TemplateBody=body, Capabilities=["CAPABILITY_IAM", "CAPABILITY_NAMED_IAM"])
        else:
            cfn.create_stack(StackName=stack, TemplateBody=body, Capabilities=["CAPABILITY_IAM", "CAPABILITY_NAMED_IAM"])
    except Exception as e:
        return False, str(e)
    for _ in range(100):
        s = cfn.describe_stacks(StackName=stack)["Stacks"][0]
        if not s["StackStatus"].endswith("_IN_PROGRESS"):
            ok = s["StackStatus"] in ("CREATE_COMPLETE", "UPDATE_COMPLETE")
            return ok, f"{s['StackStatus']} {s.get('StackStatusReason', '')}"
        time.sleep(0.1)
    return False, "timed out"


def must_deploy(account, region, stack, tmpl, update=False):
    ok, why = deploy(account, region, stack, tmpl, update)
    check(ok, f"{'update' if update else 'create'} {stack} in {account}/{region}: {why}")
    if not ok:
        raise RuntimeError(f"{stack}: {why}")


def must_refuse(account, region, stack, tmpl, why, code):
    """The stack must fail, and (when this script started the launcher and
    reads its log) for the error code the real service answers."""
    start = os.path.getsize(LOG) if LOG else 0
    ok, status = deploy(account, region, stack, tmpl)
    check(not ok, f"{stack} is refused ({why})")
    if LOG and not ok:
        with open(LOG) as f:
            f.seek(start)
            said = f.read()
        said = status + "\n" + said
        check(code in said, f"{stack} is refused with {code} ({why}); the log says:\n{said[-1500:]}")
    try:
        client("cloudformation", account, region).delete_stack(StackName=stack)
    except Exception:
        pass


def delete(account, region, stack):
    cfn = client("cloudformation", account, region)
    cfn.delete_stack(StackName=stack)
    for _ in range(100):
        try:
            s = cfn.describe_stacks(StackName=stack)["Stacks"][0]
        except cfn.exceptions.ClientError:
            return
        if s["StackStatus"] == "DELETE_COMPLETE":
            return
        if s["StackStatus"] == "DELETE_FAILED":
            check(False, f"delete {stack}: {s.get('StackStatusReason')}")
            return
        time.sleep(0.1)


def error_code(fn):
    try:
        fn()
    except Exception as e:
        return getattr(e, "response", {}).get("Error", {}).get("Code", type(e).__name__)
    return None


# --- the environment: an organization, the archive bucket, bootstrap ---------


def setup():
    org = client("organizations", MGMT)
    org.create_organization(FeatureSet="ALL")
    for acct, name in ((SECURITY, "security"), (WORKLOAD, "workload")):
        org.create_account(Email=f"{name}@example.com", AccountName=name,
                           Tags=[{"Key": "emulator:account-id", "Value": acct}])
    for sp in ("config.amazonaws.com", "config-multiaccountsetup.amazonaws.com"):
        org.enable_aws_service_access(ServicePrincipal=sp)
        org.register_delegated_administrator(AccountId=SECURITY, ServicePrincipal=sp)
    client("s3", SECURITY).create_bucket(Bucket=ARCHIVE)
    # What `cdk bootstrap` leaves that the templates use: the version
    # parameter and the asset bucket with CDK's custom resource handler.
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("index.js", "exports.handler = async () => ({})")
    for acct in (MGMT, SECURITY, WORKLOAD):
        for region in ("us-east-1", "us-west-2", "eu-west-1", "eu-central-1"):
            client("ssm", acct, region).put_parameter(Name="/cdk-bootstrap/hnb659fds/version", Value="30", Type="String")
            bucket = f"cdk-hnb659fds-assets-{acct}-{region}"
            s3 = client("s3", acct, region)
            s3.create_bucket(Bucket=bucket, **({} if region == "us-east-1" else {"CreateBucketConfiguration": {"LocationConstraint": region}}))
            s3.put_object(Bucket=bucket, Key=ASSET, Body=buf.getvalue())


# --- AWS Config ----------------------------------------------------------------


def check_config():
    must_refuse(WORKLOAD, "eu-west-1", "ConfigTooEarly", template("ConfigOther"),
                "the service-linked role does not exist yet", "InvalidRoleException")
    must_deploy(WORKLOAD, "us-east-1", "ConfigHome", template("ConfigHome"))
    must_deploy(WORKLOAD, "eu-west-1", "ConfigOther", template("ConfigOther"))
    must_deploy(SECURITY, "us-east-1", "ConfigSecurity", template("ConfigSecurity"))

    role = client("iam", WORKLOAD).get_role(RoleName="AWSServiceRoleForConfig")["Role"]
    check(role["Path"] == "/aws-service-role/config.amazonaws.com/", f"service-linked role path {role['Path']}")
    check(role["Arn"] == f"arn:aws:iam::{WORKLOAD}:role/aws-service-role/config.amazonaws.com/AWSServiceRoleForConfig",
          f"service-linked role ARN {role['Arn']}")
    for region, global_types in (("us-east-1", True), ("eu-west-1", False)):
        cfg = client("config", WORKLOAD, region)
        recs = cfg.describe_configuration_recorders()["ConfigurationRecorders"]
        check(len(recs) == 1 and recs[0]["roleARN"] == role["Arn"], f"{region}: one recorder with the service-linked role: {recs}")
        rg = recs[0]["recordingGroup"] if recs else {}
        check(rg.get("allSupported") is True and rg.get("includeGlobalResourceTypes") is global_types,
              f"{region}: recording group {rg}")
        status = cfg.describe_configuration_recorder_status()["ConfigurationRecordersStatus"]
        check(status and status[0]["recording"], f"{region}: the recorder is started: {status}")
        chans = cfg.describe_delivery_channels()["DeliveryChannels"]
        check(len(chans) == 1 and chans[0]["s3BucketName"] == ARCHIVE and chans[0]["s3KeyPrefix"] == "config",
              f"{region}: delivery channel {chans}")
        check(chans and chans[0].get("configSnapshotDeliveryProperties", {}).get("deliveryFrequency") == "TwentyFour_Hours",
              f"{region}: snapshot frequency {chans}")
    home = client("config", WORKLOAD).describe_delivery_channels()["DeliveryChannels"][0]
    check(home.get("s3KmsKeyArn", "").startswith("arn:aws:kms:"), f"home channel KMS key {home}")

    aggs = client("config", SECURITY).describe_configuration_aggregators()["ConfigurationAggregators"]
    src = aggs[0].get("OrganizationAggregationSource", {}) if aggs else {}
    check(len(aggs) == 1 and src.get("AllAwsRegions") is True and ":role/" in src.get("RoleArn", ""),
          f"organization aggregator {aggs}")
    bad = template("ConfigSecurity")
    bad["Resources"] = {k: v for k, v in bad["Resources"].items() if "Aggregator" in k}
    must_refuse(WORKLOAD, "us-west-2", "AggregatorNotAdmin", bad, "the workload account is not Config's delegated administrator",
                "OrganizationAccessDeniedException")

    # The conformance pack, from the delegated administrator only.
    must_refuse(WORKLOAD, "us-east-1", "PackNotAdmin", template("ConformancePack"), "not the delegated administrator",
                "OrganizationAccessDeniedException")
    # ... and only once every account of the organization (the management
    # account has none yet) records in the pack's region.
    must_refuse(SECURITY, "us-east-1", "PackMissingRecorder", template("ConformancePack"),
                "the management account has no configuration recorder", "NoAvailableConfigurationRecorderException in 1 account(s)")
    mgmt_config = client("config", MGMT)
    mgmt_config.put_configuration_recorder(ConfigurationRecorder={"name": "default", "roleARN": f"arn:aws:iam::{MGMT}:role/config"})
    must_deploy(SECURITY, "us-east-1", "ConformancePack", template("ConformancePack"))
    packs = client("config", SECURITY).describe_organization_conformance_packs(
        OrganizationConformancePackNames=["palisade-baseline"])["OrganizationConformancePacks"]
    check(len(packs) == 1 and packs[0]["ExcludedAccounts"] == ["555555555555"], f"conformance pack {packs}")
    broken = template("ConformancePack")
    pack = next(iter(broken["Resources"].values()))
    body = json.loads(pack["Properties"]["TemplateBody"])
    body["Resources"]["Typo"] = {"Type": "AWS::Config::ConfigRule", "Properties": {
        "ConfigRuleName": "typo", "Source": {"Owner": "AWS", "SourceIdentifier": "NO_SUCH_MANAGED_RULE"}}}
    pack["Properties"]["TemplateBody"] = json.dumps(body)
    pack["Properties"]["OrganizationConformancePackName"] = "broken"
    must_refuse(SECURITY, "us-east-1", "PackBroken", broken, "a managed rule that does not exist", "NO_SUCH_MANAGED_RULE")

    # Updated in place: the pack keeps its name and ARN.
    changed = template("ConformancePack")
    next(iter(changed["Resources"].values()))["Properties"]["ExcludedAccounts"] = ["555555555555", "666666666666"]
    must_deploy(SECURITY, "us-east-1", "ConformancePack", changed, update=True)
    after = client("config", SECURITY).describe_organization_conformance_packs(
        OrganizationConformancePackNames=["palisade-baseline"])["OrganizationConformancePacks"]
    check(after and after[0]["ExcludedAccounts"] == ["555555555555", "666666666666"]
          and after[0]["OrganizationConformancePackArn"] == packs[0]["OrganizationConformancePackArn"],
          f"conformance pack after update {after}")
    mgmt_config.delete_configuration_recorder(ConfigurationRecorderName="default")


# --- custom rule, remediation, account hardening (no construct yet) -----------


def custom_template(min_length="14"):
    return {"Resources": {
        "RuleRole": {"Type": "AWS::IAM::Role", "Properties": {"AssumeRolePolicyDocument": {"Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]}}},
        "RuleFunction": {"Type": "AWS::Lambda::Function", "Properties": {
            "Code": {"S3Bucket": f"cdk-hnb659fds-assets-{WORKLOAD}-us-east-1", "S3Key": ASSET},
            "Handler": "bootstrap", "Runtime": "provided.al2023", "Architectures": ["arm64"], "Timeout": 60,
            "Role": {"Fn::GetAtt": ["RuleRole", "Arn"]}}, "DependsOn": ["RuleRole"]},
        "RulePermission": {"Type": "AWS::Lambda::Permission", "Properties": {
            "Action": "lambda:InvokeFunction", "FunctionName": {"Fn::GetAtt": ["RuleFunction", "Arn"]},
            "Principal": "config.amazonaws.com", "SourceAccount": WORKLOAD}},
        "CustomRule": {"Type": "AWS::Config::ConfigRule", "Properties": {
            "ConfigRuleName": "palisade-custom-check",
            "Source": {"Owner": "CUSTOM_LAMBDA", "SourceIdentifier": {"Fn::GetAtt": ["RuleFunction", "Arn"]},
                       "SourceDetails": [{"EventSource": "aws.config", "MessageType": "ConfigurationItemChangeNotification"}]},
            "Scope": {"ComplianceResourceTypes": ["AWS::EC2::Instance"]},
            "InputParameters": {"tag": "palisade:managed"}},
            "DependsOn": ["RuleFunction", "RulePermission"]},
        "PasswordRule": {"Type": "AWS::Config::ConfigRule", "Properties": {
            "ConfigRuleName": "iam-password-policy",
            "Source": {"Owner": "AWS", "SourceIdentifier": "IAM_PASSWORD_POLICY"},
            "InputParameters": {"MinimumPasswordLength": min_length, "RequireSymbols": "true"}}},
        "SgRule": {"Type": "AWS::Config::ConfigRule", "Properties": {
            "Source": {"Owner": "AWS", "SourceIdentifier": "VPC_DEFAULT_SECURITY_GROUP_CLOSED"},
            "Scope": {"ComplianceResourceTypes": ["AWS::EC2::SecurityGroup"]}}},
        "SgRemediation": {"Type": "AWS::Config::RemediationConfiguration", "Properties": {
            "ConfigRuleName": {"Ref": "SgRule"}, "TargetType": "SSM_DOCUMENT",
            "TargetId": "AWSConfigRemediation-RemoveVPCDefaultSecurityGroupRules", "Automatic": True,
            "MaximumAutomaticAttempts": 3, "RetryAttemptSeconds": 60, "ResourceType": "AWS::EC2::SecurityGroup",
            "Parameters": {"GroupId": {"ResourceValue": {"Value": "RESOURCE_ID"}},
                           "AutomationAssumeRole": {"StaticValue": {"Values": [f"arn:aws:iam::{WORKLOAD}:role/remediation"]}}}}},
        "Provider": {"Type": "AWS::Lambda::Function", "Properties": {
            "Code": {"S3Bucket": f"cdk-hnb659fds-assets-{WORKLOAD}-us-east-1", "S3Key": ASSET},
            "Handler": "index.handler", "Runtime": "nodejs20.x", "Role": {"Fn::GetAtt": ["RuleRole", "Arn"]}}},
        "EbsKey": {"Type": "AWS::KMS::Key", "Properties": {"KeyPolicy": {"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{WORKLOAD}:root"}, "Action": "kms:*", "Resource": "*"}]}}},
        "EbsEncryption": sdk("EC2", "enableEbsEncryptionByDefault", {}, "ebs-encryption",
                             delete=("EC2", "disableEbsEncryptionByDefault", {})),
        "EbsKeyDefault": sdk("EC2", "modifyEbsDefaultKmsKeyId", {"KmsKeyId": {"Fn::GetAtt": ["EbsKey", "Arn"]}}, "ebs-key"),
        "AccountPab": sdk("S3Control", "putPublicAccessBlock", {"AccountId": WORKLOAD, "PublicAccessBlockConfiguration": {
            "BlockPublicAcls": True, "IgnorePublicAcls": True, "BlockPublicPolicy": True, "RestrictPublicBuckets": True}}, "pab"),
        "PasswordPolicy": sdk("IAM", "updateAccountPasswordPolicy", {
            "MinimumPasswordLength": min_length, "RequireSymbols": True, "RequireNumbers": True, "RequireUppercaseCharacters": True,
            "RequireLowercaseCharacters": True, "MaxPasswordAge": 90, "PasswordReusePrevention": 24}, "password-policy"),
        "RunbookDoc": {"Type": "AWS::SSM::Document", "Properties": {"Name": "palisade-runbook", "DocumentType": "Command",
            "Content": {"schemaVersion": "2.2", "description": "d", "parameters": {"Message": {"type": "String"}},
                        "mainSteps": [{"action": "aws:runShellScript", "name": "run", "inputs": {"runCommand": ["echo {{ Message }}"]}}]}}},
        "RunbookAssociation": {"Type": "AWS::SSM::Association", "Properties": {"Name": {"Ref": "RunbookDoc"},
            "Parameters": {"Message": ["hello"]}, "Targets": [{"Key": "tag:palisade:managed", "Values": ["true"]}],
            "ScheduleExpression": "rate(1 day)"}},
    }}


def sdk(service, action, params, pid, delete=None):
    """A Custom::AWS resource as CDK's AwsCustomResource writes it."""
    props = {"ServiceToken": {"Fn::GetAtt": ["Provider", "Arn"]}, "Create": _call_json(service, action, params, pid),
             "Update": _call_json(service, action, params, pid), "InstallLatestAwsSdk": False}
    if delete:
        props["Delete"] = _call_json(*delete, pid)
    return {"Type": "Custom::AWS", "Properties": props}


def _call_json(service, action, params, pid):
    # CDK writes the call as a JSON string; tokens (here Fn::GetAtt) are
    # spliced in with Fn::Join, as in the sessionmanager templates.
    text = json.dumps({"service": service, "action": action, "physicalResourceId": {"id": pid}, "parameters": "@@"})
    head, tail = text.split('"@@"')
    inner = []
    for i, (k, v) in enumerate(params.items()):
        inner.append(("," if i else "") + json.dumps(k) + ":")
        if isinstance(v, dict) and "Fn::GetAtt" in v:
            inner.extend(['"', v, '"'])
        else:
            inner.append(json.dumps(v))
    parts = [head + "{"] + inner + ["}" + tail]
    if all(isinstance(p, str) for p in parts):
        return "".join(parts)
    return {"Fn::Join": ["", parts]}


def check_custom():
    must_refuse(MGMT, "us-east-1", "RuleWithoutRecorder", {"Resources": {"R": custom_template()["Resources"]["PasswordRule"]}},
                "no configuration recorder in the account", "NoAvailableConfigurationRecorderException")
    must_deploy(WORKLOAD, "us-east-1", "Hardening", custom_template())
    cfg = client("config", WORKLOAD)
    rules = {r["ConfigRuleName"]: r for r in cfg.describe_config_rules()["ConfigRules"]}
    custom = rules.get("palisade-custom-check", {})
    check(custom.get("Source", {}).get("Owner") == "CUSTOM_LAMBDA" and ":function:" in custom["Source"]["SourceIdentifier"],
          f"custom rule {custom}")
    check(custom.get("Scope", {}).get("ComplianceResourceTypes") == ["AWS::EC2::Instance"], f"custom rule scope {custom}")
    check(json.loads(custom.get("InputParameters", "{}")) == {"tag": "palisade:managed"}, f"custom rule parameters {custom}")
    pw = rules.get("iam-password-policy", {})
    check(json.loads(pw.get("InputParameters", "{}")).get("MinimumPasswordLength") == "14", f"managed rule {pw}")
    res = resources(WORKLOAD, "us-east-1", "Hardening")
    check(res["SgRule"] in rules, f"generated rule name {res['SgRule']} in {list(rules)}")
    rem = cfg.describe_remediation_configurations(ConfigRuleNames=[res["SgRule"]])["RemediationConfigurations"]
    check(len(rem) == 1 and rem[0]["Automatic"] and rem[0]["MaximumAutomaticAttempts"] == 3
          and rem[0]["Parameters"]["GroupId"] == {"ResourceValue": {"Value": "RESOURCE_ID"}}, f"remediation {rem}")
    fn = client("lambda", WORKLOAD).get_function(FunctionName=res["RuleFunction"])["Configuration"]
    check(fn["Runtime"] == "provided.al2023" and fn["Architectures"] == ["arm64"], f"rule function {fn.get('Runtime')} {fn.get('Architectures')}")

    ec2 = client("ec2", WORKLOAD)
    check(ec2.get_ebs_encryption_by_default()["EbsEncryptionByDefault"] is True, "EBS encryption by default")
    key = client("kms", WORKLOAD).describe_key(KeyId=res["EbsKey"])["KeyMetadata"]["Arn"]
    check(ec2.get_ebs_default_kms_key_id()["KmsKeyId"] == key, "EBS default KMS key")
    check(client("ec2", WORKLOAD, "us-west-2").get_ebs_encryption_by_default()["EbsEncryptionByDefault"] is False,
          "EBS encryption by default is regional")
    pab = client("s3control", WORKLOAD).get_public_access_block(AccountId=WORKLOAD)["PublicAccessBlockConfiguration"]
    check(all(pab.values()) and len(pab) == 4, f"account public access block {pab}")
    pol = client("iam", WORKLOAD).get_account_password_policy()["PasswordPolicy"]
    check(pol["MinimumPasswordLength"] == 14 and pol["RequireSymbols"] and pol["PasswordReusePrevention"] == 24, f"password policy {pol}")
    ssm = client("ssm", WORKLOAD)
    doc = ssm.get_document(Name="palisade-runbook")
    check(doc["DocumentType"] == "Command", f"document {doc.get('Name')}")
    assoc = ssm.list_associations(AssociationFilterList=[{"key": "Name", "value": "palisade-runbook"}])["Associations"]
    check(len(assoc) == 1 and assoc[0]["ScheduleExpression"] == "rate(1 day)", f"custom document association {assoc}")

    broken = custom_template()
    broken["Resources"]["PasswordPolicy"] = sdk("IAM", "updateAccountPasswordPolicy", {"MinimumPasswordLength": 200}, "pp")
    broken["Resources"]["RunbookDoc"]["Properties"]["Name"] = "palisade-runbook-2"
    for k in ("CustomRule", "PasswordRule", "SgRule", "SgRemediation"):
        broken["Resources"].pop(k)
    must_refuse(WORKLOAD, "us-west-2", "HardeningBroken", broken, "a password length IAM refuses", "minimumPasswordLength")
    bad_assoc = {"Resources": {k: copy.deepcopy(custom_template()["Resources"][k]) for k in ("RunbookDoc", "RunbookAssociation")}}
    bad_assoc["Resources"]["RunbookDoc"]["Properties"]["Name"] = "palisade-runbook-3"
    bad_assoc["Resources"]["RunbookAssociation"]["Properties"]["Parameters"] = {"Undeclared": ["x"]}
    must_refuse(WORKLOAD, "us-west-2", "AssociationBadParameter", bad_assoc, "a parameter the document does not declare", "InvalidParameters")

    # One update: the rule's and the policy's minimum length change in place.
    must_deploy(WORKLOAD, "us-east-1", "Hardening", custom_template(min_length="16"), update=True)
    pw2 = {r["ConfigRuleName"]: r for r in cfg.describe_config_rules()["ConfigRules"]}.get("iam-password-policy", {})
    check(json.loads(pw2.get("InputParameters", "{}")).get("MinimumPasswordLength") == "16"
          and pw2.get("ConfigRuleArn") == pw.get("ConfigRuleArn"), f"managed rule after update {pw2}")
    pol = client("iam", WORKLOAD).get_account_password_policy()["PasswordPolicy"]
    check(pol["MinimumPasswordLength"] == 16, f"password policy after update {pol}")

    delete(WORKLOAD, "us-east-1", "Hardening")
    names = [r["ConfigRuleName"] for r in cfg.describe_config_rules()["ConfigRules"]]
    check(not names, f"rules left after delete: {names}")
    check(cfg.describe_remediation_configurations(ConfigRuleNames=[res["SgRule"]])["RemediationConfigurations"] == [],
          "remediation left after delete")
    check(ec2.get_ebs_encryption_by_default()["EbsEncryptionByDefault"] is False, "EBS encryption off after the Delete call")


# --- Session Manager, patching, agents -----------------------------------------


def check_ssm():
    must_deploy(WORKLOAD, "us-east-1", "SessionsHome", template("SessionsHome"))
    must_deploy(WORKLOAD, "us-west-2", "SessionsWest", template("SessionsWest"))
    for region, timeout, run_as in (("us-east-1", "20", False), ("us-west-2", "15", True)):
        ssm = client("ssm", WORKLOAD, region)
        doc = ssm.get_document(Name="SSM-SessionManagerRunShell")
        content = json.loads(doc["Content"])
        check(doc["DocumentType"] == "Session" and content["inputs"]["idleSessionTimeout"] == timeout
              and content["inputs"]["runAsEnabled"] is run_as and content["inputs"]["s3EncryptionEnabled"] is True,
              f"{region}: session preferences {content.get('inputs')}")
        check(content["inputs"]["kmsKeyId"] and content["inputs"]["cloudWatchLogGroupName"], f"{region}: key and log group resolved")
        desc = ssm.describe_document(Name="SSM-SessionManagerRunShell")["Document"]
        check(desc["DefaultVersion"] == desc["LatestVersion"], f"{region}: default version is the latest: {desc}")
        setting = ssm.get_service_setting(SettingId="/ssm/managed-instance/default-ec2-instance-management-role")["ServiceSetting"]
        check(setting["SettingValue"] == "AWSSystemsManagerDefaultEC2InstanceManagementRole" and setting["Status"] == "Customized",
              f"{region}: default host management {setting}")

    # The preferences document exists already (the console creates it):
    # createDocument's DocumentAlreadyExists is ignored and updateDocument
    # makes a new default version.
    ssm = client("ssm", WORKLOAD, "eu-west-1")
    ssm.create_document(Name="SSM-SessionManagerRunShell", DocumentType="Session", DocumentFormat="JSON",
                        Content=json.dumps({"schemaVersion": "1.0", "description": "console", "sessionType": "Standard_Stream",
                                            "inputs": {"s3BucketName": ""}}))
    west = template("SessionsWest")
    must_deploy(WORKLOAD, "eu-west-1", "SessionsExisting", west)
    desc = ssm.describe_document(Name="SSM-SessionManagerRunShell")["Document"]
    check(desc["DefaultVersion"] == "2" and desc["LatestVersion"] == "2", f"existing document updated to version 2: {desc}")

    must_deploy(WORKLOAD, "eu-central-1", "Patching", template("Patching"))
    must_deploy(WORKLOAD, "eu-central-1", "Agents", template("Agents"))
    ssm = client("ssm", WORKLOAD, "eu-central-1")
    mine = [b for b in ssm.describe_patch_baselines(Filters=[{"Key": "OWNER", "Values": ["Self"]}])["BaselineIdentities"]
            if b["BaselineName"].startswith("palisade-")]
    check(sorted(b["BaselineName"] for b in mine) == ["palisade-amazon-linux-2023", "palisade-windows"], f"patch baselines {mine}")
    res = resources(WORKLOAD, "eu-central-1", "Patching")
    al = ssm.get_patch_baseline_for_patch_group(PatchGroup="palisade-amazon-linux-2023", OperatingSystem="AMAZON_LINUX_2023")
    check(al["BaselineId"] == res["PatchingAmazonLinux2023Baseline481E2122"], f"patch group baseline {al}")
    windows = ssm.describe_maintenance_windows()["WindowIdentities"]
    check(len(windows) == 1 and windows[0]["Duration"] == 4 and windows[0]["Cutoff"] == 1
          and windows[0]["ScheduleTimezone"] == "Europe/Berlin", f"maintenance windows {windows}")
    wid = windows[0]["WindowId"]
    targets = ssm.describe_maintenance_window_targets(WindowId=wid)["Targets"]
    tasks = ssm.describe_maintenance_window_tasks(WindowId=wid)["Tasks"]
    check(len(targets) == 1 and targets[0]["WindowTargetId"] == res["PatchingMaintenanceWindowTargetA6F26D47"], f"targets {targets}")
    check(len(tasks) == 1 and tasks[0]["TaskArn"] == "AWS-RunPatchBaseline" and tasks[0]["Targets"][0]["Values"] == [targets[0]["WindowTargetId"]],
          f"tasks {tasks}")
    assocs = {a["AssociationName"]: a for a in ssm.list_associations()["Associations"]}
    check(sorted(assocs) == ["palisade-configure-cloudwatch-agent", "palisade-install-cloudwatch-agent", "palisade-patch-scan",
                             "palisade-software-inventory", "palisade-update-ssm-agent"], f"associations {sorted(assocs)}")
    scan = assocs.get("palisade-patch-scan", {})
    detail = ssm.describe_association(AssociationId=scan.get("AssociationId", "none"))["AssociationDescription"]
    check(detail["Parameters"] == {"Operation": ["Scan"]} and detail["OutputLocation"]["S3Location"]["OutputS3BucketName"] == ARCHIVE,
          f"patch scan association {detail}")
    cw = assocs.get("palisade-configure-cloudwatch-agent", {})
    cwd = ssm.describe_association(AssociationId=cw.get("AssociationId", "none"))["AssociationDescription"]
    check(cwd["Parameters"]["optionalConfigurationLocation"] == ["AmazonCloudWatch-palisade-linux"], f"agent config association {cwd}")
    check(ssm.get_parameter(Name="AmazonCloudWatch-palisade-linux")["Parameter"]["Value"].startswith("{"), "agent config parameter")

    # Update: a new schedule and window duration; the association keeps its
    # id and counts a new version.
    changed = template("Patching")
    changed["Resources"]["PatchingScanAssociationD88A001F"]["Properties"]["ScheduleExpression"] = "cron(0 2 ? * * *)"
    changed["Resources"]["PatchingMaintenanceWindow561FB92E"]["Properties"]["Duration"] = 5
    must_deploy(WORKLOAD, "eu-central-1", "Patching", changed, update=True)
    after = ssm.describe_association(AssociationId=scan["AssociationId"])["AssociationDescription"]
    check(after["ScheduleExpression"] == "cron(0 2 ? * * *)" and after["AssociationVersion"] == "2", f"association after update {after}")
    windows = ssm.describe_maintenance_windows()["WindowIdentities"]
    check(len(windows) == 1 and windows[0]["Duration"] == 5, f"maintenance window after update {windows}")
    wid = windows[0]["WindowId"]
    tasks = ssm.describe_maintenance_window_tasks(WindowId=wid)["Tasks"]
    targets = ssm.describe_maintenance_window_targets(WindowId=wid)["Targets"]
    check(len(tasks) == 1 and len(targets) == 1 and tasks[0]["Targets"][0]["Values"] == [targets[0]["WindowTargetId"]],
          f"the replaced window has its target and task: {targets} {tasks}")

    bad = template("Patching")
    bad["Resources"]["PatchingMaintenanceWindow561FB92E"]["Properties"]["ScheduleTimezone"] = "Europe/Nowhere"
    must_refuse(WORKLOAD, "us-west-2", "PatchingBadZone", bad, "an unknown time zone", "Europe/Nowhere")

    delete(WORKLOAD, "eu-central-1", "Patching")
    delete(WORKLOAD, "eu-central-1", "Agents")
    check(ssm.describe_maintenance_windows()["WindowIdentities"] == [], "maintenance window left after delete")
    check(ssm.list_associations()["Associations"] == [], "associations left after delete")
    left = [b for b in ssm.describe_patch_baselines()["BaselineIdentities"] if b["BaselineName"].startswith("palisade-")]
    check(not left, f"baselines left after delete: {left}")


# --- the CIS alarms ------------------------------------------------------------


def check_alarms():
    tmpl = template("CisAlarms")
    must_refuse(MGMT, "us-east-1", "CisAlarmsNoGroup", tmpl, "the log group does not exist", "ResourceNotFoundException")
    client("logs", MGMT).create_log_group(logGroupName="/palisade/organization-trail")
    must_deploy(MGMT, "us-east-1", "CisAlarms", tmpl)
    filters = client("logs", MGMT).describe_metric_filters(logGroupName="/palisade/organization-trail")["metricFilters"]
    n = len(of_type(tmpl, "AWS::Logs::MetricFilter"))
    check(len(filters) == n, f"{len(filters)} metric filters, want {n}")
    unauth = [f for f in filters if f["metricTransformations"][0]["metricName"] == "UnauthorizedApiCalls"]
    check(len(unauth) == 1 and unauth[0]["metricTransformations"][0]["metricNamespace"] == "CISBenchmark"
          and "UnauthorizedOperation" in unauth[0]["filterPattern"], f"unauthorized API calls filter {unauth}")
    cw = client("cloudwatch", MGMT)
    alarms = cw.describe_alarms()["MetricAlarms"]
    n = len(of_type(tmpl, "AWS::CloudWatch::Alarm"))
    check(len(alarms) == n, f"{len(alarms)} alarms, want {n}")
    check(all(a["AlarmActions"] == ["arn:aws:sns:us-east-1:111111111111:palisade-alerts"] and a["Namespace"] == "CISBenchmark"
              and a["TreatMissingData"] == "notBreaching" for a in alarms), "alarms notify the alerts topic")

    changed = copy.deepcopy(tmpl)
    for k in of_type(changed, "AWS::CloudWatch::Alarm"):
        changed["Resources"][k]["Properties"]["Threshold"] = 2
    must_deploy(MGMT, "us-east-1", "CisAlarms", changed, update=True)
    alarms = cw.describe_alarms()["MetricAlarms"]
    check(len(alarms) == n and all(a["Threshold"] == 2.0 for a in alarms), "alarms updated in place")

    bad = {"Resources": {"A": copy.deepcopy(tmpl["Resources"][of_type(tmpl, "AWS::CloudWatch::Alarm")[0]])}}
    bad["Resources"]["A"]["Properties"]["Period"] = 45
    must_refuse(MGMT, "us-east-1", "AlarmBadPeriod", bad, "a period CloudWatch refuses", "Period 45")

    delete(MGMT, "us-east-1", "CisAlarms")
    check(cw.describe_alarms()["MetricAlarms"] == [], "alarms left after delete")
    check(client("logs", MGMT).describe_metric_filters(logGroupName="/palisade/organization-trail")["metricFilters"] == [],
          "metric filters left after delete")


def check_config_delete():
    delete(WORKLOAD, "eu-west-1", "ConfigOther")
    cfg = client("config", WORKLOAD, "eu-west-1")
    check(cfg.describe_configuration_recorders()["ConfigurationRecorders"] == [], "recorder left after delete")
    check(cfg.describe_delivery_channels()["DeliveryChannels"] == [], "delivery channel left after delete")
    delete(SECURITY, "us-east-1", "ConformancePack")
    code = error_code(lambda: client("config", SECURITY).describe_organization_conformance_packs(
        OrganizationConformancePackNames=["palisade-baseline"]))
    check(code == "NoSuchOrganizationConformancePackException", f"conformance pack left after delete ({code})")
    # The service-linked role is retained (DeletionPolicy Retain).
    delete(WORKLOAD, "us-east-1", "ConfigHome")
    check(client("iam", WORKLOAD).get_role(RoleName="AWSServiceRoleForConfig")["Role"], "service-linked role retained")


# --- running it ------------------------------------------------------------------


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_launcher():
    port = free_port()
    env = dict(os.environ, PALISADE_EMULATOR_PARENT_PID=str(os.getpid()))
    log = open(os.path.join(os.environ.get("TMPDIR", "/tmp"), f"check_models_{port}.log"), "w")
    proc = subprocess.Popen([sys.executable, os.path.join(HERE, "launcher.py"), "-H", "127.0.0.1", "-p", str(port)],
                            stdout=log, stderr=subprocess.STDOUT, env=env)
    url = f"http://localhost:{port}"
    for _ in range(200):
        if proc.poll() is not None:
            raise RuntimeError(f"launcher.py exited with {proc.returncode}; see {log.name}")
        try:
            urllib.request.urlopen(url + "/moto-api/", timeout=1)
            return proc, url, log.name
        except Exception:
            time.sleep(0.1)
    proc.terminate()
    raise RuntimeError(f"launcher.py did not answer on {url}; see {log.name}")


def check_lambda_settings():
    # GetAccountSettings (the launcher's; moto has none) reports the
    # concurrency quota and what reserved concurrency leaves of it, as a
    # preflight reads them (AWS Lambda API Reference, GetAccountSettings).
    urllib.request.urlopen(urllib.request.Request(ENDPOINT + "/moto-api/palisade/settings", method="POST",
                                                  data=b'{"lambdaConcurrencyQuota": 10}'))
    try:
        limit = client("lambda", WORKLOAD, "eu-central-1").get_account_settings()["AccountLimit"]
        check(limit["ConcurrentExecutions"] == 10 and limit["UnreservedConcurrentExecutions"] == 10,
              f"Lambda account settings under a quota of 10: {limit}")
    finally:
        urllib.request.urlopen(urllib.request.Request(ENDPOINT + "/moto-api/palisade/settings", method="POST",
                                                      data=b'{"lambdaConcurrencyQuota": 1000}'))


def main(argv):
    global ENDPOINT, LOG, VERBOSE
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--endpoint", help="a running launcher.py (it is reset)")
    ap.add_argument("--log", help="that launcher's log, to check why stacks are refused")
    ap.add_argument("-v", action="store_true", help="print every check")
    args = ap.parse_args(argv)
    VERBOSE = args.v
    proc, logpath = None, None
    if args.endpoint:
        ENDPOINT, LOG = args.endpoint, args.log
    else:
        proc, ENDPOINT, logpath = start_launcher()
        LOG = logpath
    try:
        urllib.request.urlopen(urllib.request.Request(ENDPOINT + "/moto-api/reset", method="POST"))
        setup()
        for step in (check_config, check_custom, check_ssm, check_alarms, check_config_delete, check_lambda_settings):
            try:
                step()
            except Exception as e:
                FAILURES.append(f"{step.__name__}: {e}")
                print(f"FAIL {step.__name__} stopped: {e}")
                if VERBOSE:
                    traceback.print_exc()
    finally:
        if proc is not None:
            proc.terminate()
            proc.wait(10)
    if FAILURES:
        print(f"{len(FAILURES)} check(s) failed" + (f"; emulator log {logpath}" if logpath else ""))
        return 1
    print("all models check out")
    if logpath:
        os.remove(logpath)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
