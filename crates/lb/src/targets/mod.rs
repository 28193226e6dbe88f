//! Runtime state of target groups: each target's health and outstanding requests, the
//! load-balancing algorithms, stickiness, slow start and deregistration.
//!
//! Routing follows AWS:
//! - healthy targets receive traffic; targets still `initial` or `unhealthy` do not;
//! - when no registered target is healthy the group **fails open** to all registered,
//!   non-draining targets. ⚠ AWS documents this for "only unhealthy targets"; Rampart applies
//!   it also when targets are still `initial` (a new group), which is what ALBs are seen to do;
//! - with health checks disabled every target is `unavailable` and receives traffic;
//! - draining targets receive no new requests; requests still open when the deregistration
//!   delay expires are cut: each target connection carrying one holds a [`Cutoff`], which
//!   the expiry sets.

mod checker;
mod health;
mod sticky;

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, AtomicU8, AtomicU32, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError, Weak};
use std::task::Context;
use std::time::{Duration, Instant, SystemTime};

use atomic_waker::AtomicWaker;
use model::{Algorithm, TargetGroup};

pub use checker::spawn_health_checks;
pub use health::HealthState;
pub(crate) use health::{CheckOutcome, Reason, Thresholds};
pub(crate) use sticky::{
    StickyCookie, cookie, set_cookie_headers, target_group_cookie, target_group_from_cookie,
};

use health::Routing;

/// One registered (or draining) target. Shared between the runtimes of successive
/// configurations, so that health and in-flight counts survive a reload.
#[derive(Debug)]
pub struct TargetState {
    addr: SocketAddr,
    outstanding: AtomicU32,
    /// [`Routing`] of `health.state`, readable without the lock on the request path.
    routing: AtomicU8,
    /// Set while the target may be in slow start; the lock says until when.
    slow: AtomicBool,
    health: Mutex<Health>,
}

#[derive(Debug)]
struct Health {
    state: HealthState,
    /// When the slow-start ramp began and how long it lasts.
    slow_start: Option<(Instant, Duration)>,
    /// The cutoffs of connections that carried requests to this target; dead ones are pruned
    /// as the list grows.
    cutoffs: Vec<Weak<Cutoff>>,
}

/// Whether `state` is a deregistration whose delay is over at `now`.
fn drain_expired(state: HealthState, now: Instant) -> bool {
    matches!(state, HealthState::Draining { until } if until <= now)
}

const ROUTE_HEALTHY: u8 = 0;
const ROUTE_FAIL_OPEN: u8 = 1;
const ROUTE_UNCHECKED: u8 = 2;
const ROUTE_NEVER: u8 = 3;

fn routing_code(r: Routing) -> u8 {
    match r {
        Routing::Healthy => ROUTE_HEALTHY,
        Routing::FailOpen => ROUTE_FAIL_OPEN,
        Routing::Unchecked => ROUTE_UNCHECKED,
        Routing::Never => ROUTE_NEVER,
    }
}

impl TargetState {
    fn new(addr: SocketAddr, state: HealthState) -> Arc<TargetState> {
        Arc::new(TargetState {
            addr,
            outstanding: AtomicU32::new(0),
            routing: AtomicU8::new(routing_code(state.routing())),
            slow: AtomicBool::new(false),
            health: Mutex::new(Health {
                state,
                slow_start: None,
                cutoffs: Vec::new(),
            }),
        })
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    pub fn outstanding(&self) -> u32 {
        self.outstanding.load(Ordering::Relaxed)
    }

    pub fn state(&self) -> HealthState {
        self.lock().state
    }

    fn lock(&self) -> MutexGuard<'_, Health> {
        // Health is plain data; a panic elsewhere cannot leave it half-written.
        self.health.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn set_state(&self, h: &mut Health, state: HealthState) {
        h.state = state;
        if !matches!(state, HealthState::Healthy { .. }) {
            h.slow_start = None;
            self.slow.store(false, Ordering::Relaxed);
        }
        self.routing
            .store(routing_code(state.routing()), Ordering::Relaxed);
    }

    fn routing(&self) -> u8 {
        self.routing.load(Ordering::Relaxed)
    }

    /// The slow-start weight in (0, 1], or 1 outside slow start.
    fn weight(&self, now: Instant) -> f64 {
        if !self.slow.load(Ordering::Relaxed) {
            return 1.0;
        }
        let mut h = self.lock();
        match h.slow_start {
            Some((began, duration)) if now.saturating_duration_since(began) < duration => {
                let ramp =
                    now.saturating_duration_since(began).as_secs_f64() / duration.as_secs_f64();
                // Never quite zero, so a target entering slow start is not starved outright.
                ramp.max(0.01)
            }
            _ => {
                h.slow_start = None;
                self.slow.store(false, Ordering::Relaxed);
                1.0
            }
        }
    }

    /// Healthy before `now` and not in slow start. Targets turning healthy in the same round
    /// of checks do not count for each other, so a new group starts without slow start.
    fn settled(&self, now: Instant) -> bool {
        self.routing() == ROUTE_HEALTHY
            && matches!(self.state(), HealthState::Healthy { since, .. } if since < now)
            && self.weight(now) >= 1.0
    }

    /// Keeps `cutoff` to be cut when this target's deregistration delay expires; cuts it now
    /// when that is already over.
    fn watch(&self, cutoff: &Arc<Cutoff>, now: Instant) {
        let mut h = self.lock();
        if drain_expired(h.state, now) {
            drop(h);
            cutoff.cut();
            return;
        }
        if h.cutoffs.len() == h.cutoffs.capacity() {
            h.cutoffs.retain(|c| c.strong_count() > 0);
            // at least half free after pruning, so pruning costs O(1) per connection
            let live = h.cutoffs.len();
            h.cutoffs.reserve(live);
        }
        h.cutoffs.push(Arc::downgrade(cutoff));
    }

    /// Cuts the connections still carrying requests to this target, when its deregistration
    /// delay is over at `now`. A target registered again in the meantime is left alone.
    fn cut_if_expired(&self, now: Instant) {
        let cutoffs = {
            let mut h = self.lock();
            if !drain_expired(h.state, now) {
                return;
            }
            std::mem::take(&mut h.cutoffs)
        };
        for c in cutoffs.iter().filter_map(Weak::upgrade) {
            c.cut();
        }
    }
}

/// A target connection's view of the target whose requests it carries: set, and the task
/// waiting on the connection woken, when that target's deregistration delay expires, so the
/// request still open is cut (AWS answers 502).
///
/// Made when a connection first carries a request to a target, and kept while it serves that
/// target again, so a request costs no lock, allocation or timer for it; a connection waiting
/// on its target registers its task here with two uncontended atomic operations.
#[derive(Debug)]
pub(crate) struct Cutoff {
    /// Whose deregistration this follows. Weak, so the address cannot be reused by another
    /// target while the cutoff exists.
    target: Weak<TargetState>,
    cut: AtomicBool,
    waker: AtomicWaker,
}

impl Cutoff {
    pub(crate) fn is_cut(&self) -> bool {
        self.cut.load(Ordering::Acquire)
    }

    /// Whether the cutoff is set; if not, the task of `cx` is woken when it is.
    pub(crate) fn poll_cut(&self, cx: &Context<'_>) -> bool {
        if self.is_cut() {
            return true;
        }
        self.waker.register(cx.waker());
        self.is_cut()
    }

    fn cut(&self) {
        self.cut.store(true, Ordering::Release);
        self.waker.wake();
    }

    fn follows(&self, target: &Arc<TargetState>) -> bool {
        std::ptr::eq(self.target.as_ptr(), Arc::as_ptr(target))
    }
}

/// A target chosen for one request. Counts as outstanding until dropped.
#[derive(Debug)]
pub struct Lease {
    target: Arc<TargetState>,
    cookie: Arc<str>,
}

impl Lease {
    fn new(target: Arc<TargetState>, cookie: Arc<str>) -> Lease {
        target.outstanding.fetch_add(1, Ordering::Relaxed);
        Lease { target, cookie }
    }

    pub fn addr(&self) -> SocketAddr {
        self.target.addr
    }

    /// The `AWSALB` value that leads back to this target.
    pub fn cookie_value(&self) -> &str {
        &self.cookie
    }

    /// When the target was deregistered: the time after which an in-flight request to it is
    /// answered 502 (AWS: the deregistration delay expired).
    pub fn drain_deadline(&self) -> Option<Instant> {
        match self.target.state() {
            HealthState::Draining { until } => Some(until),
            _ => None,
        }
    }

    /// Points a target connection's `cutoff` at this lease's target, so the connection is cut
    /// if the target's deregistration delay expires while it carries the request. Nothing to
    /// do when the connection last served this target, which is the common case.
    pub(crate) fn link(&self, cutoff: &mut Option<Arc<Cutoff>>) {
        // a cut one may be left from an idle connection; it is the target that expired, not
        // the connection
        if cutoff
            .as_ref()
            .is_some_and(|c| c.follows(&self.target) && !c.is_cut())
        {
            return;
        }
        *cutoff = Some(self.cutoff(Instant::now()));
    }

    /// A new cutoff for this lease's target, already cut when its delay is over at `now`.
    fn cutoff(&self, now: Instant) -> Arc<Cutoff> {
        let c = Arc::new(Cutoff {
            target: Arc::downgrade(&self.target),
            cut: AtomicBool::new(false),
            waker: AtomicWaker::new(),
        });
        self.target.watch(&c, now);
        c
    }
}

impl Drop for Lease {
    fn drop(&mut self) {
        self.target.outstanding.fetch_sub(1, Ordering::Relaxed);
    }
}

/// A target's health as explain and the metrics show it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TargetHealth {
    pub addr: SocketAddr,
    pub state: &'static str,
    pub reason: Option<&'static str>,
    pub outstanding: u32,
}

/// A deregistered target still finishing requests.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DrainingTarget {
    pub addr: SocketAddr,
    pub outstanding: u32,
    pub until: Instant,
}

/// One target group at run time. Shared as `Arc` by the proxy's tasks and the health checker.
#[derive(Debug)]
pub struct TargetGroupRuntime {
    config: TargetGroup,
    targets: Vec<Arc<TargetState>>,
    /// `AWSALB` values, parallel to `targets`.
    cookies: Vec<Arc<str>>,
    by_cookie: HashMap<Arc<str>, usize>,
    draining: Mutex<Vec<Arc<TargetState>>>,
    next: AtomicUsize,
}

impl TargetGroupRuntime {
    /// A group whose targets are all newly registered.
    pub fn new(config: &TargetGroup) -> Arc<TargetGroupRuntime> {
        let enabled = config.health_check.enabled;
        let mut targets: Vec<Arc<TargetState>> = Vec::with_capacity(config.targets.len());
        for t in &config.targets {
            // AWS registers an address once however often it is listed.
            if !targets.iter().any(|k| k.addr == t.addr) {
                targets.push(TargetState::new(t.addr, HealthState::registered(enabled)));
            }
        }
        Arc::new(Self::assemble(config, targets, Vec::new()))
    }

    fn assemble(
        config: &TargetGroup,
        targets: Vec<Arc<TargetState>>,
        draining: Vec<Arc<TargetState>>,
    ) -> TargetGroupRuntime {
        let cookies: Vec<Arc<str>> = targets
            .iter()
            .map(|t| Arc::from(sticky::target_cookie(&config.name, t.addr)))
            .collect();
        let by_cookie = cookies
            .iter()
            .enumerate()
            .map(|(i, c)| (Arc::clone(c), i))
            .collect();
        TargetGroupRuntime {
            config: config.clone(),
            targets,
            cookies,
            by_cookie,
            draining: Mutex::new(draining),
            next: AtomicUsize::new(0),
        }
    }

    /// The runtime for a reloaded configuration of the same group. Targets still registered
    /// keep their health and counters; removed ones drain for the new `deregistration_delay`;
    /// added ones start `initial`; a draining target registered again starts `initial` too.
    pub fn reconfigure(
        old: &Arc<TargetGroupRuntime>,
        new: &TargetGroup,
        now: Instant,
    ) -> Arc<TargetGroupRuntime> {
        let enabled = new.health_check.enabled;
        let was_enabled = old.config.health_check.enabled;
        let registered: HashMap<SocketAddr, &Arc<TargetState>> =
            old.targets.iter().map(|t| (t.addr, t)).collect();
        let mut draining = old.lock_draining().clone();
        let mut targets = Vec::with_capacity(new.targets.len());
        for t in &new.targets {
            if targets.iter().any(|k: &Arc<TargetState>| k.addr == t.addr) {
                continue; // registered once, as in `new`
            }
            if let Some(kept) = registered.get(&t.addr) {
                if enabled != was_enabled {
                    let mut h = kept.lock();
                    kept.set_state(&mut h, HealthState::registered(enabled));
                }
                targets.push(Arc::clone(kept));
            } else if let Some(i) = draining.iter().position(|d| d.addr == t.addr) {
                let back = draining.swap_remove(i);
                {
                    let mut h = back.lock();
                    back.set_state(&mut h, HealthState::registered(enabled));
                }
                targets.push(back);
            } else {
                targets.push(TargetState::new(t.addr, HealthState::registered(enabled)));
            }
        }
        let until = now + new.deregistration_delay;
        for gone in &old.targets {
            if targets.iter().any(|t| t.addr == gone.addr) {
                continue;
            }
            let mut h = gone.lock();
            let state = h.state.deregister(until);
            gone.set_state(&mut h, state);
            drop(h);
            tracing::info!(target_group = %new.name, target = %gone.addr, "deregistered; draining");
            draining.push(Arc::clone(gone));
        }
        let rt = Self::assemble(new, targets, draining);
        rt.expire_draining(now);
        Arc::new(rt)
    }

    pub fn config(&self) -> &TargetGroup {
        &self.config
    }

    pub fn name(&self) -> &str {
        &self.config.name
    }

    pub fn targets(&self) -> &[Arc<TargetState>] {
        &self.targets
    }

    fn lock_draining(&self) -> MutexGuard<'_, Vec<Arc<TargetState>>> {
        self.draining.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Chooses a target for a request. `sticky` is the request's `AWSALB` (or `AWSALBCORS`)
    /// value when the group has stickiness; it wins when its target is routable. `None` only
    /// when the group has no registered target (AWS answers 503).
    pub fn pick(&self, sticky: Option<&str>, now: Instant) -> Option<Lease> {
        self.pick_with(sticky, now, &mut fastrand::Rng::new())
    }

    /// [`Self::pick`] with the caller's random numbers, for reproducible tests.
    pub fn pick_with(
        &self,
        sticky: Option<&str>,
        now: Instant,
        rng: &mut fastrand::Rng,
    ) -> Option<Lease> {
        let fail_open = !self
            .targets
            .iter()
            .any(|t| matches!(t.routing(), ROUTE_HEALTHY | ROUTE_UNCHECKED));
        let routable = |t: &TargetState| match t.routing() {
            ROUTE_HEALTHY | ROUTE_UNCHECKED => true,
            ROUTE_FAIL_OPEN => fail_open,
            _ => false,
        };

        if self.config.stickiness.is_some()
            && let Some(&i) = sticky.and_then(|s| self.by_cookie.get(s))
            && routable(&self.targets[i])
        {
            return Some(self.lease(i));
        }

        let count = self.targets.iter().filter(|t| routable(t)).count();
        if count == 0 {
            return None;
        }
        // Slow start weights apply to healthy traffic only; failing open spreads evenly.
        let weighted = self.config.slow_start.is_some() && !fail_open;
        let weight = |t: &TargetState| if weighted { t.weight(now) } else { 1.0 };
        let nth = |n: usize| {
            self.targets
                .iter()
                .enumerate()
                .filter(|(_, t)| routable(t))
                .nth(n)
                .map(|(i, _)| i)
        };

        let chosen = match self.config.algorithm {
            Algorithm::RoundRobin => {
                let mut chosen = None;
                // A target in slow start takes its turn with probability equal to its weight.
                for _ in 0..count {
                    // Health may change under us; a turn that lands nowhere is skipped.
                    let Some(i) = nth(self.next.fetch_add(1, Ordering::Relaxed) % count) else {
                        continue;
                    };
                    chosen = Some(i);
                    let w = weight(&self.targets[i]);
                    if w >= 1.0 || rng.f64() < w {
                        break;
                    }
                }
                chosen
            }
            Algorithm::WeightedRandom => {
                let total: f64 = self
                    .targets
                    .iter()
                    .filter(|t| routable(t))
                    .map(|t| weight(t))
                    .sum();
                let mut x = rng.f64() * total;
                let mut chosen = None;
                for (i, t) in self.targets.iter().enumerate().filter(|(_, t)| routable(t)) {
                    chosen = Some(i);
                    x -= weight(t);
                    if x < 0.0 {
                        break;
                    }
                }
                chosen
            }
            Algorithm::LeastOutstandingRequests => {
                // Ties rotate: the scan starts one further each time.
                let start = self.next.fetch_add(1, Ordering::Relaxed);
                let n = self.targets.len();
                (0..n)
                    .map(|k| (start + k) % n)
                    .filter(|&i| routable(&self.targets[i]))
                    .min_by_key(|&i| self.targets[i].outstanding())
            }
        };
        chosen.map(|i| self.lease(i))
    }

    fn lease(&self, i: usize) -> Lease {
        Lease::new(Arc::clone(&self.targets[i]), Arc::clone(&self.cookies[i]))
    }

    /// The `Set-Cookie` values for a response when the group has `lb_cookie` stickiness.
    pub fn set_cookie_headers(&self, lease: &Lease, now: SystemTime) -> Option<[String; 2]> {
        self.config.stickiness.map(|duration| {
            set_cookie_headers(StickyCookie::Target, lease.cookie_value(), duration, now)
        })
    }

    /// Applies one health-check outcome to a target of this group.
    pub fn record_check(&self, target: &TargetState, outcome: CheckOutcome, now: Instant) {
        let hc = &self.config.health_check;
        let thresholds = Thresholds {
            healthy: hc.healthy_threshold,
            unhealthy: hc.unhealthy_threshold,
        };
        let (old, new) = {
            let mut h = target.lock();
            let old = h.state;
            let new = old.on_check(outcome, thresholds, now);
            target.set_state(&mut h, new);
            (old, new)
        };
        if old.name() == new.name() {
            return;
        }
        tracing::info!(
            target_group = %self.config.name,
            target = %target.addr,
            from = old.name(),
            to = new.name(),
            reason = new.reason().map_or("-", Reason::as_str),
            ?outcome,
            "target health changed"
        );
        if let HealthState::Healthy { since, .. } = new {
            self.maybe_start_slow_start(target, since, now);
        }
    }

    /// AWS: a target becoming healthy enters slow start only if some other healthy target is
    /// not in slow start (else there is nothing to shift traffic from). Not with least
    /// outstanding requests, which AWS does not combine with slow start.
    fn maybe_start_slow_start(&self, target: &TargetState, since: Instant, now: Instant) {
        let Some(duration) = self.config.slow_start.filter(|d| !d.is_zero()) else {
            return;
        };
        if self.config.algorithm == Algorithm::LeastOutstandingRequests {
            return;
        }
        // Others are examined one lock at a time, never while holding this target's.
        let others_settled = self
            .targets
            .iter()
            .filter(|t| !std::ptr::eq(t.as_ref(), target))
            .any(|t| t.settled(now));
        if !others_settled {
            return;
        }
        let mut h = target.lock();
        if matches!(h.state, HealthState::Healthy { since: s, .. } if s == since) {
            h.slow_start = Some((since, duration));
            target.slow.store(true, Ordering::Relaxed);
        }
    }

    /// Drops draining targets whose delay is over and cuts the requests they still have open;
    /// returns their addresses.
    pub fn expire_draining(&self, now: Instant) -> Vec<SocketAddr> {
        let mut expired = Vec::new();
        self.lock_draining().retain(|t| match t.state() {
            HealthState::Draining { until } if until > now => true,
            _ => {
                expired.push(Arc::clone(t));
                false
            }
        });
        for t in &expired {
            t.cut_if_expired(now);
        }
        expired.iter().map(|t| t.addr).collect()
    }

    /// When the next draining target's deregistration delay expires.
    pub fn next_drain_expiry(&self) -> Option<Instant> {
        self.lock_draining()
            .iter()
            .filter_map(|t| match t.state() {
                HealthState::Draining { until } => Some(until),
                _ => None,
            })
            .min()
    }

    /// Deregistered targets still within their deregistration delay.
    pub fn draining_targets(&self) -> Vec<DrainingTarget> {
        self.lock_draining()
            .iter()
            .filter_map(|t| match t.state() {
                HealthState::Draining { until } => Some(DrainingTarget {
                    addr: t.addr,
                    outstanding: t.outstanding(),
                    until,
                }),
                _ => None,
            })
            .collect()
    }

    /// Every target's health, registered ones first in configuration order, then draining
    /// ones.
    pub fn snapshot(&self) -> Vec<TargetHealth> {
        let draining = self.lock_draining().clone();
        self.targets
            .iter()
            .chain(draining.iter())
            .map(|t| {
                let state = t.state();
                TargetHealth {
                    addr: t.addr,
                    state: state.name(),
                    reason: state.reason().map(Reason::as_str),
                    outstanding: t.outstanding(),
                }
            })
            .collect()
    }
}

#[cfg(test)]
mod tests;
