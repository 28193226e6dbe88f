use std::collections::HashMap;
use std::time::Duration;

use model::{HealthCheck, ProtocolVersion, Target, TargetProtocol};

use super::*;

fn addr(i: usize) -> SocketAddr {
    SocketAddr::from(([10, 0, 0, i as u8 + 1], 80))
}

fn group(n: usize, algorithm: Algorithm) -> TargetGroup {
    TargetGroup {
        name: "web".into(),
        protocol: TargetProtocol::Http,
        protocol_version: ProtocolVersion::Http1,
        port: Some(80),
        targets: (0..n)
            .map(|i| Target {
                addr: addr(i),
                instance: None,
            })
            .collect(),
        health_check: HealthCheck {
            enabled: true,
            protocol: TargetProtocol::Http,
            path: "/".into(),
            port: None,
            interval: Duration::from_secs(30),
            timeout: Duration::from_secs(5),
            healthy_threshold: 2,
            unhealthy_threshold: 2,
            matcher: vec![200..=200],
        },
        algorithm,
        slow_start: None,
        deregistration_delay: Duration::from_secs(300),
        stickiness: None,
    }
}

fn check(rt: &TargetGroupRuntime, i: usize, outcome: CheckOutcome, times: usize, now: Instant) {
    let target = Arc::clone(&rt.targets()[i]);
    for _ in 0..times {
        rt.record_check(&target, outcome, now);
    }
}

fn healthy(rt: &TargetGroupRuntime, i: usize, now: Instant) {
    check(rt, i, CheckOutcome::Success, 2, now);
    assert_eq!(rt.targets()[i].state().name(), "healthy");
}

fn unhealthy(rt: &TargetGroupRuntime, i: usize, now: Instant) {
    check(rt, i, CheckOutcome::Timeout, 2, now);
    assert_eq!(rt.targets()[i].state().name(), "unhealthy");
}

/// How many of `n` picks went to each address.
fn tally(
    rt: &TargetGroupRuntime,
    n: usize,
    now: Instant,
    rng: &mut fastrand::Rng,
) -> HashMap<SocketAddr, usize> {
    let mut counts = HashMap::new();
    for _ in 0..n {
        let lease = rt.pick_with(None, now, rng).unwrap();
        *counts.entry(lease.addr()).or_default() += 1;
    }
    counts
}

#[test]
fn round_robin_is_exact_over_healthy_targets() {
    let now = Instant::now();
    let rt = TargetGroupRuntime::new(&group(4, Algorithm::RoundRobin));
    for i in 0..3 {
        healthy(&rt, i, now);
    }
    unhealthy(&rt, 3, now);
    let order: Vec<_> = (0..6).map(|_| rt.pick(None, now).unwrap().addr()).collect();
    assert_eq!(
        order,
        [addr(0), addr(1), addr(2), addr(0), addr(1), addr(2)]
    );
    let counts = tally(&rt, 3000, now, &mut fastrand::Rng::with_seed(1));
    assert_eq!(counts.len(), 3);
    assert!(counts.values().all(|&c| c == 1000), "{counts:?}");
}

#[test]
fn weighted_random_is_uniform_within_statistical_bounds() {
    let now = Instant::now();
    let rt = TargetGroupRuntime::new(&group(4, Algorithm::WeightedRandom));
    for i in 0..4 {
        healthy(&rt, i, now);
    }
    let counts = tally(&rt, 10_000, now, &mut fastrand::Rng::with_seed(7));
    // Binomial(10000, 1/4): sigma is about 43; five sigmas either side.
    for i in 0..4 {
        let c = counts[&addr(i)];
        assert!((2280..=2720).contains(&c), "{counts:?}");
    }
}

#[test]
fn least_outstanding_prefers_the_idle_target_and_rotates_ties() {
    let now = Instant::now();
    let rt = TargetGroupRuntime::new(&group(3, Algorithm::LeastOutstandingRequests));
    for i in 0..3 {
        healthy(&rt, i, now);
    }
    let a = rt.pick(None, now).unwrap();
    let b = rt.pick(None, now).unwrap();
    assert_ne!(a.addr(), b.addr());
    let busy = [a.addr(), b.addr()];
    for _ in 0..5 {
        let c = rt.pick(None, now).unwrap();
        assert!(!busy.contains(&c.addr()));
    }
    drop((a, b));
    let counts = tally(&rt, 300, now, &mut fastrand::Rng::with_seed(1));
    assert!(counts.values().all(|&c| c == 100), "{counts:?}");
}

#[test]
fn leases_count_outstanding_requests_until_dropped() {
    let now = Instant::now();
    let rt = TargetGroupRuntime::new(&group(1, Algorithm::RoundRobin));
    healthy(&rt, 0, now);
    let a = rt.pick(None, now).unwrap();
    let b = rt.pick(None, now).unwrap();
    assert_eq!(rt.snapshot()[0].outstanding, 2);
    drop(a);
    assert_eq!(rt.targets()[0].outstanding(), 1);
    drop(b);
    assert_eq!(rt.targets()[0].outstanding(), 0);
}

#[test]
fn fails_open_when_no_target_is_healthy() {
    let now = Instant::now();
    let rt = TargetGroupRuntime::new(&group(3, Algorithm::RoundRobin));
    // All initial: a new group fails open too.
    let counts = tally(&rt, 30, now, &mut fastrand::Rng::with_seed(1));
    assert_eq!(counts.len(), 3);

    for i in 0..3 {
        unhealthy(&rt, i, now);
    }
    let counts = tally(&rt, 30, now, &mut fastrand::Rng::with_seed(1));
    assert!(counts.values().all(|&c| c == 10), "{counts:?}");

    // One healthy target takes everything again.
    healthy(&rt, 1, now);
    let counts = tally(&rt, 30, now, &mut fastrand::Rng::with_seed(1));
    assert_eq!(counts.get(&addr(1)), Some(&30));
}

#[test]
fn an_empty_group_has_no_target() {
    let rt = TargetGroupRuntime::new(&group(0, Algorithm::RoundRobin));
    assert!(rt.pick(None, Instant::now()).is_none());
}

#[test]
fn disabled_health_checks_route_to_every_target() {
    let now = Instant::now();
    let mut config = group(2, Algorithm::RoundRobin);
    config.health_check.enabled = false;
    let rt = TargetGroupRuntime::new(&config);
    let snap = rt.snapshot();
    assert_eq!(snap[0].state, "unavailable");
    assert_eq!(snap[0].reason, Some("Target.HealthCheckDisabled"));
    let counts = tally(&rt, 10, now, &mut fastrand::Rng::with_seed(1));
    assert_eq!(counts.len(), 2);
}

#[test]
fn stickiness_round_trips_and_rejects_tampered_cookies() {
    let now = Instant::now();
    let mut config = group(3, Algorithm::RoundRobin);
    config.stickiness = Some(Duration::from_secs(86400));
    let rt = TargetGroupRuntime::new(&config);
    for i in 0..3 {
        healthy(&rt, i, now);
    }
    let first = rt.pick(None, now).unwrap();
    let cookie = first.cookie_value().to_owned();
    for _ in 0..10 {
        assert_eq!(rt.pick(Some(&cookie), now).unwrap().addr(), first.addr());
    }
    let [plain, cors] = rt
        .set_cookie_headers(&first, SystemTime::UNIX_EPOCH)
        .unwrap();
    assert_eq!(
        plain,
        format!("AWSALB={cookie}; Expires=Fri, 02 Jan 1970 00:00:00 GMT; Path=/")
    );
    assert!(cors.starts_with(&format!("AWSALBCORS={cookie}; ")));
    assert!(cors.ends_with("; SameSite=None; Secure"));

    // A changed or foreign value is ignored: the algorithm decides (round robin rotates).
    let mut tampered = cookie.clone().into_bytes();
    tampered[5] = if tampered[5] == b'a' { b'b' } else { b'a' };
    let tampered = String::from_utf8(tampered).unwrap();
    for bogus in [tampered.as_str(), "10.0.0.1:80", ""] {
        let picks: Vec<_> = (0..3)
            .map(|_| rt.pick(Some(bogus), now).unwrap().addr())
            .collect();
        assert_eq!(picks.len(), 3);
        assert!(picks.iter().any(|a| *a != picks[0]), "{bogus}: {picks:?}");
    }

    // The sticky target turning unhealthy: others take over, with their own cookie.
    let i = rt
        .targets()
        .iter()
        .position(|t| t.addr() == first.addr())
        .unwrap();
    unhealthy(&rt, i, now);
    let moved = rt.pick(Some(&cookie), now).unwrap();
    assert_ne!(moved.addr(), first.addr());
    assert_ne!(moved.cookie_value(), cookie);
}

#[test]
fn cookies_are_ignored_without_stickiness() {
    let now = Instant::now();
    let rt = TargetGroupRuntime::new(&group(2, Algorithm::RoundRobin));
    for i in 0..2 {
        healthy(&rt, i, now);
    }
    let cookie = rt.pick(None, now).unwrap().cookie_value().to_owned();
    let a = rt.pick(Some(&cookie), now).unwrap().addr();
    let b = rt.pick(Some(&cookie), now).unwrap().addr();
    assert_ne!(a, b);
    assert!(
        rt.set_cookie_headers(&rt.pick(None, now).unwrap(), SystemTime::now())
            .is_none()
    );
}

#[test]
fn slow_start_ramps_a_newly_healthy_target_linearly() {
    let t0 = Instant::now();
    let mut config = group(2, Algorithm::WeightedRandom);
    config.slow_start = Some(Duration::from_secs(100));
    let rt = TargetGroupRuntime::new(&config);
    healthy(&rt, 0, t0);
    // The first healthy target has no settled peer: no slow start for it.
    assert!(!rt.targets()[0].slow.load(Ordering::Relaxed));
    let t1 = t0 + Duration::from_secs(500);
    healthy(&rt, 1, t1);
    assert!(rt.targets()[1].slow.load(Ordering::Relaxed));

    let share = |at: Instant| {
        let counts = tally(&rt, 10_000, at, &mut fastrand::Rng::with_seed(3));
        counts.get(&addr(1)).copied().unwrap_or(0) as f64 / 10_000.0
    };
    // Weight w against 1: a share of w / (1 + w).
    let quarter = share(t1 + Duration::from_secs(25));
    assert!((0.18..0.22).contains(&quarter), "{quarter}");
    let half = share(t1 + Duration::from_secs(50));
    assert!((0.31..0.36).contains(&half), "{half}");
    let done = share(t1 + Duration::from_secs(100));
    assert!((0.48..0.52).contains(&done), "{done}");
    assert!(!rt.targets()[1].slow.load(Ordering::Relaxed));
}

#[test]
fn slow_start_applies_to_round_robin_and_not_when_all_start_together() {
    let t0 = Instant::now();
    let mut config = group(2, Algorithm::RoundRobin);
    config.slow_start = Some(Duration::from_secs(100));
    let rt = TargetGroupRuntime::new(&config);
    healthy(&rt, 0, t0);
    healthy(&rt, 1, t0);
    assert!(rt.targets().iter().all(|t| !t.slow.load(Ordering::Relaxed)));

    unhealthy(&rt, 1, t0);
    let t1 = t0 + Duration::from_secs(200);
    healthy(&rt, 1, t1);
    let counts = tally(
        &rt,
        10_000,
        t1 + Duration::from_secs(10),
        &mut fastrand::Rng::with_seed(5),
    );
    let newcomer = counts.get(&addr(1)).copied().unwrap_or(0);
    assert!(newcomer < 1500, "{counts:?}");
}

#[test]
fn reconfigure_keeps_health_and_drains_removed_targets() {
    let now = Instant::now();
    let old = TargetGroupRuntime::new(&group(2, Algorithm::RoundRobin));
    healthy(&old, 0, now);
    healthy(&old, 1, now);
    let in_flight = old.pick(None, now).unwrap();
    assert_eq!(in_flight.addr(), addr(0));

    // Keep target 1, remove target 0, add target 2.
    let mut config = group(3, Algorithm::RoundRobin);
    config.targets.remove(0);
    config.deregistration_delay = Duration::from_secs(30);
    let new = TargetGroupRuntime::reconfigure(&old, &config, now);

    let snap = new.snapshot();
    let states: Vec<_> = snap.iter().map(|t| (t.addr, t.state, t.reason)).collect();
    assert_eq!(
        states,
        [
            (addr(1), "healthy", None),
            (addr(2), "initial", Some("Elb.RegistrationInProgress")),
            (addr(0), "draining", Some("Target.DeregistrationInProgress")),
        ]
    );
    assert!(Arc::ptr_eq(&old.targets()[1], &new.targets()[0]));
    for _ in 0..10 {
        assert_eq!(new.pick(None, now).unwrap().addr(), addr(1));
    }
    let draining = new.draining_targets();
    assert_eq!(draining.len(), 1);
    assert_eq!(draining[0].outstanding, 1);
    assert_eq!(draining[0].until, now + Duration::from_secs(30));
    assert_eq!(
        in_flight.drain_deadline(),
        Some(now + Duration::from_secs(30))
    );

    assert!(
        new.expire_draining(now + Duration::from_secs(29))
            .is_empty()
    );
    assert_eq!(
        new.expire_draining(now + Duration::from_secs(30)),
        [addr(0)]
    );
    assert!(new.draining_targets().is_empty());

    // Registered again later: back to initial.
    let again = TargetGroupRuntime::reconfigure(&new, &group(3, Algorithm::RoundRobin), now);
    assert_eq!(again.snapshot()[0].state, "initial");
    assert_eq!(again.snapshot()[1].state, "healthy");
}

#[test]
fn a_draining_target_registered_again_returns_as_initial() {
    let now = Instant::now();
    let old = TargetGroupRuntime::new(&group(2, Algorithm::RoundRobin));
    healthy(&old, 0, now);
    healthy(&old, 1, now);
    let mut one = group(2, Algorithm::RoundRobin);
    one.targets.truncate(1);
    let mid = TargetGroupRuntime::reconfigure(&old, &one, now);
    assert_eq!(mid.draining_targets().len(), 1);
    let back = TargetGroupRuntime::reconfigure(&mid, &group(2, Algorithm::RoundRobin), now);
    assert!(back.draining_targets().is_empty());
    assert_eq!(back.snapshot()[1].state, "initial");
    assert!(Arc::ptr_eq(&old.targets()[1], &back.targets()[1]));
}

#[test]
fn a_zero_deregistration_delay_drops_targets_at_once() {
    let now = Instant::now();
    let old = TargetGroupRuntime::new(&group(2, Algorithm::RoundRobin));
    let mut one = group(2, Algorithm::RoundRobin);
    one.targets.truncate(1);
    one.deregistration_delay = Duration::ZERO;
    let new = TargetGroupRuntime::reconfigure(&old, &one, now);
    assert!(new.draining_targets().is_empty());
    assert_eq!(new.snapshot().len(), 1);
}

#[test]
fn an_address_listed_twice_is_one_target() {
    let mut config = group(2, Algorithm::RoundRobin);
    config.targets.push(config.targets[0].clone());
    assert_eq!(TargetGroupRuntime::new(&config).targets().len(), 2);
    let old = TargetGroupRuntime::new(&group(2, Algorithm::RoundRobin));
    assert_eq!(
        TargetGroupRuntime::reconfigure(&old, &config, Instant::now())
            .targets()
            .len(),
        2
    );
}

/// A task's waker that records being woken.
struct Woken(AtomicBool);

impl std::task::Wake for Woken {
    fn wake(self: Arc<Self>) {
        self.0.store(true, Ordering::SeqCst);
    }
}

#[test]
fn connections_to_a_deregistered_target_are_cut_when_its_delay_expires() {
    let now = Instant::now();
    let old = TargetGroupRuntime::new(&group(2, Algorithm::RoundRobin));
    healthy(&old, 0, now);
    healthy(&old, 1, now);
    let lease = old.pick(None, now).unwrap();
    assert_eq!(lease.addr(), addr(0));
    let mut conn = None;
    lease.link(&mut conn);
    let cutoff = Arc::clone(conn.as_ref().unwrap());
    lease.link(&mut conn);
    assert!(
        Arc::ptr_eq(&cutoff, conn.as_ref().unwrap()),
        "a connection serving the same target again keeps its cutoff"
    );
    let woken = Arc::new(Woken(AtomicBool::new(false)));
    let waker = std::task::Waker::from(Arc::clone(&woken));
    assert!(!cutoff.poll_cut(&Context::from_waker(&waker)));

    let mut config = group(2, Algorithm::RoundRobin);
    config.targets.remove(0);
    config.deregistration_delay = Duration::from_secs(30);
    let new = TargetGroupRuntime::reconfigure(&old, &config, now);
    assert_eq!(new.next_drain_expiry(), Some(now + Duration::from_secs(30)));
    let kept = new.pick(None, now).unwrap();
    let mut kept_conn = None;
    kept.link(&mut kept_conn);
    // a reload racing with the expiry: its runtime still lists the target as draining
    let racing = TargetGroupRuntime::reconfigure(&new, &config, now);

    assert!(
        new.expire_draining(now + Duration::from_secs(29))
            .is_empty()
    );
    assert!(!cutoff.is_cut(), "in-flight requests finish while draining");
    assert!(!woken.0.load(Ordering::SeqCst));

    assert_eq!(
        new.expire_draining(now + Duration::from_secs(30)),
        [addr(0)]
    );
    assert!(cutoff.is_cut());
    assert!(woken.0.load(Ordering::SeqCst), "the waiting task is woken");
    assert!(!kept_conn.unwrap().is_cut(), "other targets are left alone");
    assert_eq!(new.next_drain_expiry(), None);

    // a connection taken for the request after the expiry is cut as soon as it is linked
    assert!(lease.cutoff(now + Duration::from_secs(31)).is_cut());

    // registered again as the same target: a connection whose cutoff was set while it idled
    // serves it again
    let back = TargetGroupRuntime::reconfigure(&racing, &group(2, Algorithm::RoundRobin), now);
    assert!(Arc::ptr_eq(&back.targets()[0], &old.targets()[0]));
    back.lease(0).link(&mut conn);
    assert!(!Arc::ptr_eq(&cutoff, conn.as_ref().unwrap()));
    assert!(!conn.unwrap().is_cut());
}

#[test]
fn a_target_registered_again_before_its_delay_expires_keeps_its_connections() {
    let now = Instant::now();
    let old = TargetGroupRuntime::new(&group(2, Algorithm::RoundRobin));
    healthy(&old, 0, now);
    healthy(&old, 1, now);
    let lease = old.pick(None, now).unwrap();
    let mut conn = None;
    lease.link(&mut conn);
    let mut one = group(2, Algorithm::RoundRobin);
    one.targets.remove(0);
    one.deregistration_delay = Duration::from_secs(30);
    let mid = TargetGroupRuntime::reconfigure(&old, &one, now);
    let back = TargetGroupRuntime::reconfigure(&mid, &group(2, Algorithm::RoundRobin), now);
    // the replaced runtime still lists it as draining, and must not cut it
    mid.expire_draining(now + Duration::from_secs(60));
    back.expire_draining(now + Duration::from_secs(60));
    assert!(!conn.unwrap().is_cut());
}

#[test]
fn a_zero_deregistration_delay_cuts_open_requests_at_once() {
    let now = Instant::now();
    let old = TargetGroupRuntime::new(&group(2, Algorithm::RoundRobin));
    let lease = old.pick(None, now).unwrap();
    let mut conn = None;
    lease.link(&mut conn);
    let mut rest = group(2, Algorithm::RoundRobin);
    rest.targets.retain(|t| t.addr != lease.addr());
    rest.deregistration_delay = Duration::ZERO;
    let _new = TargetGroupRuntime::reconfigure(&old, &rest, now);
    assert!(conn.unwrap().is_cut());
}
