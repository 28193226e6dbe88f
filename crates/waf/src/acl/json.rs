//! AWS WAF v2's JSON shapes: `WebACL`, `RuleGroup`, `IPSet`, `RegexPatternSet`, and everything
//! inside them, as `aws wafv2 get-web-acl` prints them and as `CreateWebACL` takes them.
//!
//! Field names are AWS's (PascalCase). Inside rules and statements unknown fields are errors, as
//! they are for AWS's API: a misspelt `PositionalConstraint` must not silently become the
//! default. The read-only fields that `get-*` commands add (`Id`, `ARN`, `Capacity`,
//! `LockToken`, …) are accepted and ignored.

use serde::Deserialize;
use serde_json::Value;

use crate::transform::Transformation;

// ---- web ACL --------------------------------------------------------------------------------

#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct WebAcl {
    pub name: String,
    pub default_action: DefaultAction,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub rules: Vec<Rule>,
    pub visibility_config: VisibilityConfig,
    #[serde(default)]
    pub custom_response_bodies: std::collections::BTreeMap<String, CustomResponseBody>,
    #[serde(default)]
    pub captcha_config: Option<CaptchaConfig>,
    #[serde(default)]
    pub challenge_config: Option<CaptchaConfig>,
    #[serde(default)]
    pub token_domains: Vec<String>,
    #[serde(default)]
    pub association_config: Option<Value>,
    #[serde(default)]
    pub tags: Option<Value>,
    // read-only, or newer fields Rampart does not act on
    #[serde(default, rename = "Id")]
    pub id: Option<String>,
    #[serde(default, rename = "ARN")]
    pub arn: Option<String>,
    #[serde(default)]
    pub capacity: Option<Value>,
    #[serde(default)]
    pub label_namespace: Option<String>,
    #[serde(default)]
    pub managed_by_firewall_manager: Option<Value>,
    #[serde(default)]
    pub pre_process_firewall_manager_rule_groups: Option<Value>,
    #[serde(default)]
    pub post_process_firewall_manager_rule_groups: Option<Value>,
    #[serde(default)]
    pub retrofitted_by_firewall_manager: Option<Value>,
    #[serde(default)]
    pub data_protection_config: Option<Value>,
    #[serde(default)]
    pub on_source_d_do_s_protection_config: Option<Value>,
    #[serde(default)]
    pub application_config: Option<Value>,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub enum DefaultAction {
    Allow(AllowAction),
    Block(BlockAction),
}

#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct VisibilityConfig {
    pub sampled_requests_enabled: bool,
    #[serde(rename = "CloudWatchMetricsEnabled")]
    pub cloudwatch_metrics_enabled: bool,
    pub metric_name: String,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct CustomResponseBody {
    pub content_type: ContentType,
    pub content: String,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ContentType {
    TextPlain,
    TextHtml,
    ApplicationJson,
}

impl ContentType {
    pub fn mime(self) -> &'static str {
        match self {
            ContentType::TextPlain => "text/plain",
            ContentType::TextHtml => "text/html",
            ContentType::ApplicationJson => "application/json",
        }
    }
}

#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct CaptchaConfig {
    #[serde(default)]
    pub immunity_time_property: Option<ImmunityTimeProperty>,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct ImmunityTimeProperty {
    pub immunity_time: u64,
}

// ---- rules ----------------------------------------------------------------------------------

#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct Rule {
    pub name: String,
    pub priority: i64,
    pub statement: Statement,
    #[serde(default)]
    pub action: Option<RuleAction>,
    #[serde(default)]
    pub override_action: Option<OverrideAction>,
    #[serde(default)]
    pub rule_labels: Vec<Label>,
    pub visibility_config: VisibilityConfig,
    #[serde(default)]
    pub captcha_config: Option<CaptchaConfig>,
    #[serde(default)]
    pub challenge_config: Option<CaptchaConfig>,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct Label {
    pub name: String,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub enum RuleAction {
    Allow(AllowAction),
    Block(BlockAction),
    Count(AllowAction),
    Captcha(AllowAction),
    Challenge(AllowAction),
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub enum OverrideAction {
    None(Empty),
    Count(Empty),
}

/// `{}`: AWS's marker objects.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Empty {}

/// `Allow`, `Count`, `Captcha`, `Challenge`: optional request headers to insert.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct AllowAction {
    #[serde(default)]
    pub custom_request_handling: Option<CustomRequestHandling>,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct CustomRequestHandling {
    pub insert_headers: Vec<CustomHttpHeader>,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct BlockAction {
    #[serde(default)]
    pub custom_response: Option<CustomResponse>,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct CustomResponse {
    pub response_code: u16,
    #[serde(default)]
    pub custom_response_body_key: Option<String>,
    #[serde(default)]
    pub response_headers: Vec<CustomHttpHeader>,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct CustomHttpHeader {
    pub name: String,
    pub value: String,
}

// ---- statements -----------------------------------------------------------------------------

/// One statement: exactly one member, as AWS's `Statement` object.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub enum Statement {
    ByteMatchStatement(ByteMatchStatement),
    RegexMatchStatement(RegexMatchStatement),
    RegexPatternSetReferenceStatement(RegexPatternSetReferenceStatement),
    SqliMatchStatement(SqliMatchStatement),
    XssMatchStatement(XssMatchStatement),
    SizeConstraintStatement(SizeConstraintStatement),
    GeoMatchStatement(GeoMatchStatement),
    AsnMatchStatement(AsnMatchStatement),
    #[serde(rename = "IPSetReferenceStatement")]
    IpSetReferenceStatement(IpSetReferenceStatement),
    LabelMatchStatement(LabelMatchStatement),
    RateBasedStatement(Box<RateBasedStatement>),
    AndStatement(Statements),
    OrStatement(Statements),
    NotStatement(Box<NotStatement>),
    RuleGroupReferenceStatement(RuleGroupReferenceStatement),
    ManagedRuleGroupStatement(Box<ManagedRuleGroupStatement>),
    /// Rampart's detectors (LFI, shell commands, …), accepted only in the rule groups Rampart
    /// ships under AWS's managed names.
    RampartDetectionStatement(RampartDetectionStatement),
}

#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct ByteMatchStatement {
    /// Text, as the console's rule editor and CloudFormation write it; base64 in the API's
    /// `{"WebACL": …}` responses (see [`crate::acl::load`]).
    #[serde(default)]
    pub search_string: Option<String>,
    /// CloudFormation's binary form.
    #[serde(default)]
    pub search_string_base64: Option<String>,
    pub field_to_match: FieldToMatch,
    pub text_transformations: Vec<TextTransformation>,
    pub positional_constraint: PositionalConstraint,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum PositionalConstraint {
    Exactly,
    StartsWith,
    EndsWith,
    Contains,
    ContainsWord,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct RegexMatchStatement {
    pub regex_string: String,
    pub field_to_match: FieldToMatch,
    pub text_transformations: Vec<TextTransformation>,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct RegexPatternSetReferenceStatement {
    #[serde(rename = "ARN")]
    pub arn: String,
    pub field_to_match: FieldToMatch,
    pub text_transformations: Vec<TextTransformation>,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct SqliMatchStatement {
    pub field_to_match: FieldToMatch,
    pub text_transformations: Vec<TextTransformation>,
    #[serde(default)]
    pub sensitivity_level: Option<SensitivityLevel>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum SensitivityLevel {
    Low,
    High,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct XssMatchStatement {
    pub field_to_match: FieldToMatch,
    pub text_transformations: Vec<TextTransformation>,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct SizeConstraintStatement {
    pub field_to_match: FieldToMatch,
    pub comparison_operator: ComparisonOperator,
    pub size: i64,
    pub text_transformations: Vec<TextTransformation>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ComparisonOperator {
    Eq,
    Ne,
    Le,
    Lt,
    Ge,
    Gt,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct GeoMatchStatement {
    pub country_codes: Vec<String>,
    #[serde(default, rename = "ForwardedIPConfig")]
    pub forwarded_ip_config: Option<ForwardedIpConfig>,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct AsnMatchStatement {
    pub asn_list: Vec<i64>,
    #[serde(default, rename = "ForwardedIPConfig")]
    pub forwarded_ip_config: Option<ForwardedIpConfig>,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct ForwardedIpConfig {
    pub header_name: String,
    pub fallback_behavior: MatchFallback,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum MatchFallback {
    Match,
    NoMatch,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct IpSetReferenceStatement {
    #[serde(rename = "ARN")]
    pub arn: String,
    #[serde(default, rename = "IPSetForwardedIPConfig")]
    pub ip_set_forwarded_ip_config: Option<IpSetForwardedIpConfig>,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct IpSetForwardedIpConfig {
    pub header_name: String,
    pub fallback_behavior: MatchFallback,
    pub position: ForwardedIpPosition,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ForwardedIpPosition {
    First,
    Last,
    Any,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct LabelMatchStatement {
    pub scope: LabelScope,
    pub key: String,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum LabelScope {
    Label,
    Namespace,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct RateBasedStatement {
    pub limit: i64,
    #[serde(default)]
    pub evaluation_window_sec: Option<i64>,
    pub aggregate_key_type: AggregateKeyType,
    #[serde(default)]
    pub scope_down_statement: Option<Statement>,
    #[serde(default, rename = "ForwardedIPConfig")]
    pub forwarded_ip_config: Option<ForwardedIpConfig>,
    #[serde(default)]
    pub custom_keys: Vec<RateBasedCustomKey>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum AggregateKeyType {
    Ip,
    ForwardedIp,
    CustomKeys,
    Constant,
}

/// One `CustomKeys` member: exactly one of these.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub enum RateBasedCustomKey {
    Header(NamedKey),
    Cookie(NamedKey),
    QueryArgument(NamedKey),
    QueryString(TransformedKey),
    #[serde(rename = "HTTPMethod")]
    HttpMethod(Empty),
    #[serde(rename = "ForwardedIP")]
    ForwardedIp(Empty),
    #[serde(rename = "IP")]
    Ip(Empty),
    LabelNamespace(LabelNamespaceKey),
    UriPath(TransformedKey),
    #[serde(rename = "JA3Fingerprint")]
    Ja3Fingerprint(FingerprintKey),
    #[serde(rename = "JA4Fingerprint")]
    Ja4Fingerprint(FingerprintKey),
    #[serde(rename = "ASN")]
    Asn(Empty),
}

#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct NamedKey {
    pub name: String,
    pub text_transformations: Vec<TextTransformation>,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct TransformedKey {
    pub text_transformations: Vec<TextTransformation>,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct LabelNamespaceKey {
    pub namespace: String,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct FingerprintKey {
    #[serde(default)]
    pub fallback_behavior: Option<MatchFallback>,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct Statements {
    pub statements: Vec<Statement>,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct NotStatement {
    pub statement: Statement,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct RuleGroupReferenceStatement {
    #[serde(rename = "ARN")]
    pub arn: String,
    #[serde(default)]
    pub excluded_rules: Vec<ExcludedRule>,
    #[serde(default)]
    pub rule_action_overrides: Vec<RuleActionOverride>,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct ManagedRuleGroupStatement {
    pub vendor_name: String,
    pub name: String,
    #[serde(default)]
    pub version: Option<String>,
    #[serde(default)]
    pub excluded_rules: Vec<ExcludedRule>,
    #[serde(default)]
    pub rule_action_overrides: Vec<RuleActionOverride>,
    #[serde(default)]
    pub scope_down_statement: Option<Statement>,
    #[serde(default)]
    pub managed_rule_group_configs: Option<Value>,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct ExcludedRule {
    pub name: String,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct RuleActionOverride {
    pub name: String,
    pub action_to_use: RuleAction,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct RampartDetectionStatement {
    pub detector: String,
    pub field_to_match: FieldToMatch,
    pub text_transformations: Vec<TextTransformation>,
}

// ---- fields and transformations ---------------------------------------------------------------

/// `FieldToMatch`: exactly one member.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Deserialize)]
#[serde(deny_unknown_fields)]
pub enum FieldToMatch {
    SingleHeader(NameOnly),
    SingleQueryArgument(NameOnly),
    AllQueryArguments(Empty),
    UriPath(Empty),
    QueryString(Empty),
    Body(BodyField),
    Method(Empty),
    JsonBody(JsonBodyField),
    Headers(HeadersField),
    Cookies(CookiesField),
    HeaderOrder(OversizeOnly),
    #[serde(rename = "JA3Fingerprint")]
    Ja3Fingerprint(FingerprintKey),
    #[serde(rename = "JA4Fingerprint")]
    Ja4Fingerprint(FingerprintKey),
    UriFragment(FingerprintKey),
    /// Rampart's managed groups only: the values (or names) of a form or JSON body's fields.
    RampartBodyArguments(ScopeOnly),
    /// Rampart's managed groups only: the names of the query arguments.
    RampartArgumentNames(Empty),
}

impl PartialEq for Empty {
    fn eq(&self, _: &Empty) -> bool {
        true
    }
}
impl Eq for Empty {}
impl std::hash::Hash for Empty {
    fn hash<H: std::hash::Hasher>(&self, _: &mut H) {}
}
impl PartialEq for FingerprintKey {
    fn eq(&self, o: &FingerprintKey) -> bool {
        self.fallback_behavior == o.fallback_behavior
    }
}
impl Eq for FingerprintKey {}
impl std::hash::Hash for FingerprintKey {
    fn hash<H: std::hash::Hasher>(&self, h: &mut H) {
        self.fallback_behavior.map(|f| f as u8).hash(h);
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Hash, Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct NameOnly {
    pub name: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash, Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct BodyField {
    #[serde(default)]
    pub oversize_handling: Option<OversizeHandling>,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash, Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct OversizeOnly {
    #[serde(default)]
    pub oversize_handling: Option<OversizeHandling>,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash, Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct ScopeOnly {
    pub match_scope: MatchScope,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum OversizeHandling {
    Continue,
    Match,
    NoMatch,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum MatchScope {
    All,
    Key,
    Value,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash, Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct JsonBodyField {
    pub match_pattern: JsonMatchPattern,
    pub match_scope: MatchScope,
    #[serde(default)]
    pub invalid_fallback_behavior: Option<JsonInvalidFallback>,
    #[serde(default)]
    pub oversize_handling: Option<OversizeHandling>,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash, Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct JsonMatchPattern {
    #[serde(default)]
    pub all: Option<Empty>,
    #[serde(default)]
    pub included_paths: Option<Vec<String>>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum JsonInvalidFallback {
    Match,
    NoMatch,
    EvaluateAsString,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash, Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct HeadersField {
    pub match_pattern: HeaderMatchPattern,
    pub match_scope: MatchScope,
    pub oversize_handling: OversizeHandling,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash, Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct HeaderMatchPattern {
    #[serde(default)]
    pub all: Option<Empty>,
    #[serde(default)]
    pub included_headers: Option<Vec<String>>,
    #[serde(default)]
    pub excluded_headers: Option<Vec<String>>,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash, Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct CookiesField {
    pub match_pattern: CookieMatchPattern,
    pub match_scope: MatchScope,
    pub oversize_handling: OversizeHandling,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash, Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct CookieMatchPattern {
    #[serde(default)]
    pub all: Option<Empty>,
    #[serde(default)]
    pub included_cookies: Option<Vec<String>>,
    #[serde(default)]
    pub excluded_cookies: Option<Vec<String>>,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct TextTransformation {
    pub priority: i64,
    #[serde(rename = "Type")]
    pub kind: String,
}

impl TextTransformation {
    pub fn transformation(&self) -> Option<Transformation> {
        Transformation::from_name(&self.kind)
    }
}

// ---- rule groups, IP sets, regex pattern sets -------------------------------------------------

#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct RuleGroup {
    pub name: String,
    #[serde(default)]
    pub capacity: Option<i64>,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub rules: Vec<Rule>,
    pub visibility_config: VisibilityConfig,
    #[serde(default)]
    pub custom_response_bodies: std::collections::BTreeMap<String, CustomResponseBody>,
    #[serde(default)]
    pub label_namespace: Option<String>,
    #[serde(default, rename = "Id")]
    pub id: Option<String>,
    #[serde(default, rename = "ARN")]
    pub arn: Option<String>,
    #[serde(default)]
    pub available_labels: Option<Value>,
    #[serde(default)]
    pub consumed_labels: Option<Value>,
    #[serde(default)]
    pub tags: Option<Value>,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct IpSet {
    pub name: String,
    #[serde(rename = "IPAddressVersion")]
    pub ip_address_version: IpAddressVersion,
    pub addresses: Vec<String>,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default, rename = "Id")]
    pub id: Option<String>,
    #[serde(default, rename = "ARN")]
    pub arn: Option<String>,
    #[serde(default)]
    pub tags: Option<Value>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
pub enum IpAddressVersion {
    #[serde(rename = "IPV4")]
    V4,
    #[serde(rename = "IPV6")]
    V6,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct RegexPatternSet {
    pub name: String,
    pub regular_expression_list: Vec<RegexString>,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default, rename = "Id")]
    pub id: Option<String>,
    #[serde(default, rename = "ARN")]
    pub arn: Option<String>,
    #[serde(default)]
    pub tags: Option<Value>,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
pub struct RegexString {
    pub regex_string: String,
}
