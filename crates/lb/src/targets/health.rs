//! The health of one target as AWS reports it: a state and a reason code, moved by health-check
//! outcomes, registration and deregistration. Pure: outcomes and the time come in, the next
//! state comes out.

use std::time::Instant;

/// What one health check saw.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CheckOutcome {
    /// A status code the matcher accepts.
    Success,
    /// A well-formed response with another status code.
    ResponseCodeMismatch(u16),
    /// No response within the health-check timeout.
    Timeout,
    /// Connection refused or reset, TLS failure, or a malformed response.
    Failed,
}

/// AWS's reason codes (`TargetHealth.Reason`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Reason {
    RegistrationInProgress,
    InitialHealthChecking,
    ResponseCodeMismatch,
    Timeout,
    FailedHealthChecks,
    DeregistrationInProgress,
    HealthCheckDisabled,
}

impl Reason {
    pub fn as_str(self) -> &'static str {
        match self {
            Reason::RegistrationInProgress => "Elb.RegistrationInProgress",
            Reason::InitialHealthChecking => "Elb.InitialHealthChecking",
            Reason::ResponseCodeMismatch => "Target.ResponseCodeMismatch",
            Reason::Timeout => "Target.Timeout",
            Reason::FailedHealthChecks => "Target.FailedHealthChecks",
            Reason::DeregistrationInProgress => "Target.DeregistrationInProgress",
            Reason::HealthCheckDisabled => "Target.HealthCheckDisabled",
        }
    }
}

/// Consecutive results needed to change state (`HealthyThresholdCount`,
/// `UnhealthyThresholdCount`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Thresholds {
    pub healthy: u8,
    pub unhealthy: u8,
}

/// How a state takes part in routing.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Routing {
    /// Receives traffic.
    Healthy,
    /// Receives traffic only when the group fails open (no healthy target).
    FailOpen,
    /// Health checks are off: always receives traffic.
    Unchecked,
    /// Never receives new traffic.
    Never,
}

/// A target's health (`TargetHealth.State`).
///
/// AWS also has `unused` (the group is not used by a load balancer, or the target's zone is
/// not enabled); Rampart has no zones and does not check groups no listener uses, so that
/// state does not occur.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HealthState {
    /// Registered, not yet judged. `checked` is false until the first check completes.
    Initial {
        checked: bool,
        successes: u8,
        failures: u8,
    },
    Healthy {
        since: Instant,
        failures: u8,
    },
    Unhealthy {
        reason: Reason,
        successes: u8,
    },
    /// Deregistered; in-flight requests may finish until `until`.
    Draining {
        until: Instant,
    },
    /// Health checks are disabled for the group.
    Unavailable,
}

impl HealthState {
    /// The state of a newly registered target.
    pub fn registered(checks_enabled: bool) -> HealthState {
        if checks_enabled {
            HealthState::Initial {
                checked: false,
                successes: 0,
                failures: 0,
            }
        } else {
            HealthState::Unavailable
        }
    }

    /// The state after one health check.
    ///
    /// `initial` becomes `healthy` after `healthy` consecutive successes and, ⚠ as AWS does,
    /// `unhealthy` after `unhealthy` consecutive failures (not after a single one). Outcomes
    /// for draining or unchecked targets change nothing.
    pub fn on_check(self, outcome: CheckOutcome, t: Thresholds, now: Instant) -> HealthState {
        let healthy_after = t.healthy.max(1);
        let unhealthy_after = t.unhealthy.max(1);
        let failure = failure_reason(outcome);
        match (self, failure) {
            (
                HealthState::Initial {
                    successes,
                    failures: _,
                    ..
                },
                None,
            ) => {
                let successes = successes.saturating_add(1);
                if successes >= healthy_after {
                    HealthState::Healthy {
                        since: now,
                        failures: 0,
                    }
                } else {
                    HealthState::Initial {
                        checked: true,
                        successes,
                        failures: 0,
                    }
                }
            }
            (HealthState::Initial { failures, .. }, Some(reason)) => {
                let failures = failures.saturating_add(1);
                if failures >= unhealthy_after {
                    HealthState::Unhealthy {
                        reason,
                        successes: 0,
                    }
                } else {
                    HealthState::Initial {
                        checked: true,
                        successes: 0,
                        failures,
                    }
                }
            }
            (HealthState::Healthy { since, .. }, None) => {
                HealthState::Healthy { since, failures: 0 }
            }
            (HealthState::Healthy { since, failures }, Some(reason)) => {
                let failures = failures.saturating_add(1);
                if failures >= unhealthy_after {
                    HealthState::Unhealthy {
                        reason,
                        successes: 0,
                    }
                } else {
                    HealthState::Healthy { since, failures }
                }
            }
            (HealthState::Unhealthy { successes, .. }, None) => {
                let successes = successes.saturating_add(1);
                if successes >= healthy_after {
                    HealthState::Healthy {
                        since: now,
                        failures: 0,
                    }
                } else {
                    // The reason stays the last failure's until the target is healthy again.
                    match self {
                        HealthState::Unhealthy { reason, .. } => {
                            HealthState::Unhealthy { reason, successes }
                        }
                        other => other,
                    }
                }
            }
            (HealthState::Unhealthy { .. }, Some(reason)) => HealthState::Unhealthy {
                reason,
                successes: 0,
            },
            (HealthState::Draining { .. } | HealthState::Unavailable, _) => self,
        }
    }

    /// Deregistration: draining until `until`, whatever the health was.
    pub fn deregister(self, until: Instant) -> HealthState {
        HealthState::Draining { until }
    }

    /// AWS's name of the state.
    pub fn name(&self) -> &'static str {
        match self {
            HealthState::Initial { .. } => "initial",
            HealthState::Healthy { .. } => "healthy",
            HealthState::Unhealthy { .. } => "unhealthy",
            HealthState::Draining { .. } => "draining",
            HealthState::Unavailable => "unavailable",
        }
    }

    pub fn reason(&self) -> Option<Reason> {
        match self {
            HealthState::Initial { checked: false, .. } => Some(Reason::RegistrationInProgress),
            HealthState::Initial { checked: true, .. } => Some(Reason::InitialHealthChecking),
            HealthState::Healthy { .. } => None,
            HealthState::Unhealthy { reason, .. } => Some(*reason),
            HealthState::Draining { .. } => Some(Reason::DeregistrationInProgress),
            HealthState::Unavailable => Some(Reason::HealthCheckDisabled),
        }
    }

    pub(crate) fn routing(&self) -> Routing {
        match self {
            HealthState::Healthy { .. } => Routing::Healthy,
            HealthState::Initial { .. } | HealthState::Unhealthy { .. } => Routing::FailOpen,
            HealthState::Unavailable => Routing::Unchecked,
            HealthState::Draining { .. } => Routing::Never,
        }
    }
}

fn failure_reason(outcome: CheckOutcome) -> Option<Reason> {
    match outcome {
        CheckOutcome::Success => None,
        CheckOutcome::ResponseCodeMismatch(_) => Some(Reason::ResponseCodeMismatch),
        CheckOutcome::Timeout => Some(Reason::Timeout),
        CheckOutcome::Failed => Some(Reason::FailedHealthChecks),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    const T: Thresholds = Thresholds {
        healthy: 3,
        unhealthy: 2,
    };

    fn run(mut s: HealthState, outcomes: &[CheckOutcome], now: Instant) -> Vec<&'static str> {
        outcomes
            .iter()
            .map(|o| {
                s = s.on_check(*o, T, now);
                s.name()
            })
            .collect()
    }

    use CheckOutcome::*;

    #[test]
    fn initial_becomes_healthy_after_the_healthy_threshold() {
        let now = Instant::now();
        let s = HealthState::registered(true);
        assert_eq!(s.reason(), Some(Reason::RegistrationInProgress));
        let s1 = s.on_check(Success, T, now);
        assert_eq!(s1.reason(), Some(Reason::InitialHealthChecking));
        assert_eq!(
            run(s, &[Success, Success, Success], now),
            ["initial", "initial", "healthy"]
        );
        // A failure in between restarts the count.
        assert_eq!(
            run(s, &[Success, Success, Timeout, Success, Success], now),
            ["initial", "initial", "initial", "initial", "initial"]
        );
    }

    #[test]
    fn initial_becomes_unhealthy_after_the_unhealthy_threshold() {
        let now = Instant::now();
        let s = HealthState::registered(true);
        assert_eq!(run(s, &[Failed, Failed], now), ["initial", "unhealthy"]);
        let s = s.on_check(Failed, T, now).on_check(Timeout, T, now);
        assert_eq!(s.reason(), Some(Reason::Timeout));
    }

    #[test]
    fn healthy_needs_consecutive_failures_and_unhealthy_consecutive_successes() {
        let t0 = Instant::now();
        let healthy = HealthState::Healthy {
            since: t0,
            failures: 0,
        };
        assert_eq!(
            run(
                healthy,
                &[ResponseCodeMismatch(500), Success, Failed, Failed],
                t0
            ),
            ["healthy", "healthy", "healthy", "unhealthy"]
        );
        let unhealthy = healthy.on_check(ResponseCodeMismatch(503), T, t0).on_check(
            ResponseCodeMismatch(503),
            T,
            t0,
        );
        assert_eq!(unhealthy.reason(), Some(Reason::ResponseCodeMismatch));
        let later = t0 + Duration::from_secs(90);
        let back = unhealthy
            .on_check(Success, T, later)
            .on_check(Success, T, later);
        assert_eq!(back.reason(), Some(Reason::ResponseCodeMismatch));
        assert_eq!(
            back.on_check(Success, T, later),
            HealthState::Healthy {
                since: later,
                failures: 0
            }
        );
    }

    #[test]
    fn draining_and_unavailable_ignore_checks() {
        let now = Instant::now();
        let d = HealthState::registered(true).deregister(now);
        assert_eq!(d.on_check(Success, T, now), d);
        assert_eq!(d.reason(), Some(Reason::DeregistrationInProgress));
        let u = HealthState::registered(false);
        assert_eq!(u.name(), "unavailable");
        assert_eq!(u.on_check(Failed, T, now), u);
        assert_eq!(
            u.reason().map(Reason::as_str),
            Some("Target.HealthCheckDisabled")
        );
    }
}
