//! What an evaluation decides, with everything AWS's log record and Rampart's trace need.

/// An action, by AWS's log name.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ActionKind {
    Allow,
    Block,
    Count,
    Captcha,
    Challenge,
}

impl ActionKind {
    /// `ALLOW`, `BLOCK`, `COUNT`, `CAPTCHA`, `CHALLENGE`.
    pub fn as_str(self) -> &'static str {
        match self {
            ActionKind::Allow => "ALLOW",
            ActionKind::Block => "BLOCK",
            ActionKind::Count => "COUNT",
            ActionKind::Captcha => "CAPTCHA",
            ActionKind::Challenge => "CHALLENGE",
        }
    }
}

/// `terminatingRuleType`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RuleType {
    Regular,
    RateBased,
    Group,
    ManagedRuleGroup,
}

impl RuleType {
    pub fn as_str(self) -> &'static str {
        match self {
            RuleType::Regular => "REGULAR",
            RuleType::RateBased => "RATE_BASED",
            RuleType::Group => "GROUP",
            RuleType::ManagedRuleGroup => "MANAGED_RULE_GROUP",
        }
    }
}

/// The response a Block sends: 403 and the load balancer's page unless customised.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BlockResponse {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    /// Content type and content of a custom response body.
    pub body: Option<(&'static str, String)>,
}

impl Default for BlockResponse {
    fn default() -> BlockResponse {
        BlockResponse {
            status: 403,
            headers: Vec::new(),
            body: None,
        }
    }
}

/// `ruleMatchDetails` / `terminatingRuleMatchDetails`: what a detection statement found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MatchDetail {
    /// `SQL_INJECTION`, `XSS`, or the Rampart detector's name (`LFI`, …).
    pub condition_type: &'static str,
    /// `LOW` / `HIGH` for SQL injection.
    pub sensitivity_level: Option<&'static str>,
    /// `HEADER`, `QUERY_STRING`, `URI`, `BODY`, …
    pub location: &'static str,
    pub matched_data: Vec<String>,
}

/// A rule whose statement matched.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RuleMatch {
    pub rule_id: String,
    pub action: ActionKind,
    /// The rule's own action when an override (a rule action override, or the group's
    /// `OverrideAction Count`) changed it.
    pub overridden_action: Option<ActionKind>,
    pub details: Vec<MatchDetail>,
}

/// One rule group's part in an evaluation (`ruleGroupList[]`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GroupRecord {
    pub rule_group_id: String,
    pub terminating_rule: Option<RuleMatch>,
    pub non_terminating: Vec<RuleMatch>,
    pub excluded_rules: Vec<String>,
}

/// A rate-based rule that limited the request (`rateBasedRuleList[]`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RateRecord {
    pub rule_name: String,
    /// `IP`, `FORWARDED_IP`, `CONSTANT` or `CUSTOM_KEYS`.
    pub limit_key: &'static str,
    pub max_rate_allowed: u64,
    pub evaluation_window_sec: u32,
}

/// One rule as the evaluation met it (for `explain` and `waf test`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TraceStep {
    /// `RuleName`, or `GroupRule/RuleInGroup` inside a group.
    pub rule: String,
    pub matched: bool,
    /// What happened: `terminated (BLOCK)`, `counted`, `no match`, `scope-down did not match`,
    /// `token valid: counted`, …
    pub effect: String,
}

/// The outcome of evaluating one request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Verdict {
    /// The terminating action: Allow, Block, Captcha or Challenge.
    pub action: ActionKind,
    /// For Block: the response to send.
    pub block: Option<BlockResponse>,
    /// For Captcha and Challenge: the immunity time that applied, in seconds.
    pub immunity: Option<u64>,
    /// The rule name, or `Default_Action`.
    pub terminating_rule_id: String,
    pub terminating_rule_type: RuleType,
    pub terminating_rule_match_details: Vec<MatchDetail>,
    pub rule_group_list: Vec<GroupRecord>,
    pub non_terminating_matching_rules: Vec<RuleMatch>,
    pub rate_based_rules: Vec<RateRecord>,
    pub labels: Vec<String>,
    /// `x-amzn-waf-` headers to add to the forwarded request (Allow and Count).
    pub inserted_headers: Vec<(String, String)>,
    /// `REQUEST_BODY`, `REQUEST_HEADERS`, … that were larger than what was inspected.
    pub oversize_fields: Vec<&'static str>,
    /// Every rule the request met, in order; filled when [`super::Options::trace`] is set.
    pub trace: Vec<TraceStep>,
}

impl Verdict {
    /// Whether the request goes on to the target.
    pub fn allows(&self) -> bool {
        self.action == ActionKind::Allow
    }
}
