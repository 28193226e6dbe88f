//! The request phases, assembled in one place.
//!
//! ```text
//!  accept ─► tls ─► parse ─► classify ─► shield ─► waf ─► route ─► upstream ─► response ─► log
//!  (server)  (tls)  (h1/h2)  └───────────── decide() ─────────────┘  (h1/h2 drivers)    (access_log)
//! ```
//!
//! The I/O phases live in the connection drivers ([`crate::h1`], [`crate::h2`]); the decisions
//! between parsing and forwarding are made here, by one pure function that both drivers call,
//! so HTTP/1.1 and HTTP/2 requests are judged alike and each layer (the WAF now, Shield next)
//! adds one step to [`decide`] without reshaping the proxy. The drivers hand the WAF what they
//! parsed (and, when a rule reads it, the body's first 8 KB); `decide` evaluates with the clock
//! they pass and returns the verdict with the decision, for the log phase. On a listener with a
//! web ACL, the CAPTCHA and Challenge verification paths are answered in the WAF phase (the
//! drivers read their small bodies first).

use model::{Action, DesyncMode, ForwardAction, Listener, RedirectSource, RequestFacts, RuleRef};
use proto::{Class, DesyncAction};

use crate::respond::LbResponse;

/// What the load balancer does with a request.
#[derive(Debug)]
pub(crate) enum Decision<'g> {
    /// Answer it without a target.
    Respond {
        response: LbResponse,
        /// The rule whose action it is, when a rule decided.
        rule: Option<RuleRef>,
        /// The access log's `actions_executed`.
        action: &'static str,
    },
    /// Send it to one of the forward action's target groups.
    Forward {
        rule: RuleRef,
        forward: &'g ForwardAction,
        /// Ambiguous under `defensive`: serve it, then close both connections.
        close_after: bool,
        /// The access log's `actions_executed`.
        action: &'static str,
    },
}

/// The decision, and the web ACL's verdict when one evaluated the request.
#[derive(Debug)]
pub(crate) struct Decided<'g> {
    pub(crate) decision: Decision<'g>,
    pub(crate) verdict: Option<waf::Verdict>,
}

/// The WAF phase's input: the load balancer's web ACL and the request as the WAF sees it.
#[derive(Clone, Copy, Debug)]
pub(crate) struct WafInput<'a, 'r> {
    pub(crate) acl: &'a crate::web_acl::WebAclRuntime,
    pub(crate) request: &'a waf::Request<'r>,
    /// What the CAPTCHA and Challenge actions read: host, `Accept`, token, client.
    pub(crate) client: crate::tokens::ClientView<'a>,
    /// Seconds since the Unix epoch.
    pub(crate) now: u64,
}

/// Everything [`decide`] needs beyond the rule facts.
#[derive(Clone, Copy, Debug)]
pub(crate) struct RequestMeta<'a> {
    pub(crate) class: Class,
    pub(crate) desync_mode: DesyncMode,
    /// Addresses already in `X-Forwarded-For`.
    pub(crate) forwarded_ips: usize,
    pub(crate) redirect: RedirectSource<'a>,
}

/// AWS's limit on addresses in `X-Forwarded-For`; beyond it the ALB answers 463.
const MAX_FORWARDED_IPS: usize = 30;

/// Classify, shield, waf, route: the decisions between parsing and forwarding.
pub(crate) fn decide<'g>(
    listener: &'g Listener,
    facts: &RequestFacts<'_>,
    meta: &RequestMeta<'_>,
    waf: Option<WafInput<'_, '_>>,
) -> Decided<'g> {
    let mut verdict = None;
    let decision = decide_with(listener, facts, meta, waf, &mut verdict);
    Decided { decision, verdict }
}

fn decide_with<'g>(
    listener: &'g Listener,
    facts: &RequestFacts<'_>,
    meta: &RequestMeta<'_>,
    waf: Option<WafInput<'_, '_>>,
    verdict: &mut Option<waf::Verdict>,
) -> Decision<'g> {
    // classify: the desync mitigation mode decides what a non-compliant request gets
    let close_after = match proto::desync_action(desync_mode(meta.desync_mode), meta.class) {
        DesyncAction::Allow => false,
        DesyncAction::AllowThenClose => true,
        DesyncAction::Block => {
            return Decision::Respond {
                response: LbResponse::error(400, None).closing(),
                rule: None,
                action: "",
            };
        }
    };
    if meta.forwarded_ips > MAX_FORWARDED_IPS {
        return Decision::Respond {
            response: LbResponse::error(463, None),
            rule: None,
            action: "",
        };
    }
    if facts.method == "TRACE" {
        return Decision::Respond {
            response: LbResponse::error(405, None),
            rule: None,
            action: "",
        };
    }

    // shield: its layer adds its step here

    // waf: the web ACL sees the request before the listener rules do (AWS's order)
    if let Some(w) = waf {
        // the pages' verification paths: served here, before the rules (which may well
        // challenge every request, this one included)
        if let Some(kind) = crate::tokens::verify_kind(facts.path) {
            return Decision::Respond {
                response: w
                    .acl
                    .tokens
                    .verify(kind, facts.method, w.request.body, &w.client, w.now),
                rule: None,
                action: "waf",
            };
        }
        let solved = w.acl.tokens.solved(w.client.token, w.client.host, w.now);
        let options = waf::Options {
            now: w.now,
            captcha_solved: solved.captcha,
            challenge_solved: solved.challenge,
            ..waf::Options::default()
        };
        let v = w.acl.acl.evaluate(w.request, options);
        let stopped = !v.allows();
        let response = stopped.then(|| crate::web_acl::response(w.acl, &v, &w.client, w.now));
        *verdict = Some(v);
        if let Some(response) = response {
            return Decision::Respond {
                response,
                rule: None,
                action: "waf",
            };
        }
    }
    let waf_ran = verdict.is_some();
    let action = |plain: &'static str, after_waf: &'static str| {
        if waf_ran { after_waf } else { plain }
    };

    // route
    let routed = listener.route(facts);
    match routed.action {
        Action::Forward(forward) => Decision::Forward {
            rule: routed.rule,
            forward,
            close_after,
            action: action("forward", "waf,forward"),
        },
        Action::Redirect(r) => Decision::Respond {
            response: LbResponse::redirect(r, &meta.redirect),
            rule: Some(routed.rule),
            action: action("redirect", "waf,redirect"),
        },
        Action::FixedResponse(f) => Decision::Respond {
            response: LbResponse::fixed(f),
            rule: Some(routed.rule),
            action: action("fixed-response", "waf,fixed-response"),
        },
    }
}

pub(crate) fn desync_mode(m: DesyncMode) -> proto::DesyncMode {
    match m {
        DesyncMode::Monitor => proto::DesyncMode::Monitor,
        DesyncMode::Defensive => proto::DesyncMode::Defensive,
        DesyncMode::Strictest => proto::DesyncMode::Strictest,
    }
}

/// Picks a forward action's target group: the one its `AWSALBTG` cookie names when the action
/// has target-group stickiness (and that group still takes traffic), else by weight. Returns
/// the `Set-Cookie` values to send when stickiness made a new pick.
pub(crate) fn pick_target_group(
    model: &model::Model,
    forward: &ForwardAction,
    cookie: Option<&str>,
) -> Option<(model::TargetGroupIdx, Option<[String; 2]>)> {
    let Some(duration) = forward.stickiness else {
        return pick_weighted(forward).map(|tg| (tg, None));
    };
    let names = forward
        .target_groups
        .iter()
        .map(|w| model.target_group(w.target_group).name.as_str());
    if let Some(i) = cookie.and_then(|c| crate::targets::target_group_from_cookie(c, names))
        && let Some(w) = forward.target_groups.get(i)
        && w.weight > 0
    {
        return Some((w.target_group, None));
    }
    let tg = pick_weighted(forward)?;
    let value = crate::targets::target_group_cookie(&model.target_group(tg).name);
    let set = crate::targets::set_cookie_headers(
        crate::targets::StickyCookie::TargetGroup,
        &value,
        duration,
        std::time::SystemTime::now(),
    );
    Some((tg, Some(set)))
}

/// Picks one of a forward action's target groups by weight.
pub(crate) fn pick_weighted(forward: &ForwardAction) -> Option<model::TargetGroupIdx> {
    let total: u32 = forward
        .target_groups
        .iter()
        .map(|w| u32::from(w.weight))
        .sum();
    if forward.target_groups.len() == 1 || total == 0 {
        return forward.target_groups.first().map(|w| w.target_group);
    }
    let mut n = fastrand::u32(0..total);
    for w in &forward.target_groups {
        let weight = u32::from(w.weight);
        if n < weight {
            return Some(w.target_group);
        }
        n -= weight;
    }
    forward.target_groups.last().map(|w| w.target_group)
}

/// The target a forwarded request goes to, and the stickiness cookies to set for it.
#[derive(Debug)]
pub(crate) struct Choice {
    pub(crate) target_group: model::TargetGroupIdx,
    pub(crate) lease: crate::targets::Lease,
    pub(crate) set_cookies: Vec<String>,
}

/// Chooses the target group (weights, `AWSALBTG`) and the target (the group's algorithm,
/// `AWSALB`). `cookie` reads a request cookie by name. `None` when no target is registered:
/// AWS answers 503.
pub(crate) fn choose_target(
    g: &crate::server::Generation,
    forward: &ForwardAction,
    cookie: impl Fn(&str) -> Option<String>,
) -> Option<Choice> {
    use crate::targets::StickyCookie;
    let read = |kind: StickyCookie| kind.names().into_iter().find_map(&cookie);
    let tg_cookie = forward
        .stickiness
        .and_then(|_| read(StickyCookie::TargetGroup));
    let (target_group, tg_set) = pick_target_group(&g.model, forward, tg_cookie.as_deref())?;
    let tg = g.model.target_group(target_group);
    let rt = g.target_groups.get(target_group.get())?;
    let sticky = tg.stickiness.and_then(|_| read(StickyCookie::Target));
    let lease = rt.pick(sticky.as_deref(), std::time::Instant::now())?;
    let mut set_cookies: Vec<String> = tg_set.into_iter().flatten().collect();
    if tg.stickiness.is_some() && sticky.as_deref() != Some(lease.cookie_value()) {
        set_cookies.extend(
            rt.set_cookie_headers(&lease, std::time::SystemTime::now())
                .into_iter()
                .flatten(),
        );
    }
    Some(Choice {
        target_group,
        lease,
        set_cookies,
    })
}
