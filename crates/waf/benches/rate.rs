//! The rate-based rule limiter: one request counted per iteration. Run:
//! `cargo bench -p rampart-waf --bench rate`.

#![allow(clippy::unwrap_used)]

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use std::hint::black_box;
use std::time::{Duration, Instant};
use waf::rate::{RateCaps, RateLimiter};

const T0: u64 = 1_700_000_000_000;

/// Room for the 100,000 keys below: each shard holds an equal share of the cap, and keys do not
/// spread exactly evenly.
fn roomy() -> RateCaps {
    RateCaps {
        max_tracked_keys: 200_000,
        ..RateCaps::default()
    }
}

fn single_thread(c: &mut Criterion) {
    let mut g = c.benchmark_group("rate/observe");
    g.throughput(Throughput::Elements(1));

    // one client flooding: the key is found, counted and limited
    let rl = RateLimiter::new(100, 300, RateCaps::default()).unwrap();
    let mut now = T0;
    g.bench_function("hot key", |b| {
        b.iter(|| {
            now += 1;
            black_box(rl.observe(black_box(b"203.0.113.7"), now))
        })
    });

    // 100,000 clients in turn (IPv6-sized keys), within one 10-second bucket: the request
    // path alone (the evaluation, every 10 s, is measured below)
    let rl = RateLimiter::new(100, 300, roomy()).unwrap();
    let keys: Vec<[u8; 16]> = (0..100_000u128)
        .map(|i| (0x2001_0db8_0000_0000_0000_0000_0000_0000 + i * 7919).to_be_bytes())
        .collect();
    for k in &keys {
        rl.observe(k, T0);
    }
    let mut i = 0;
    g.bench_function("100k tracked keys", |b| {
        b.iter(|| {
            i = (i + 1) % keys.len();
            black_box(rl.observe(&keys[i], T0 + 1))
        })
    });

    // a spoofed flood: every request a new key, so each one evicts the least recently seen
    let rl = RateLimiter::new(100, 300, RateCaps::default()).unwrap();
    let mut n = 0u64;
    g.bench_function("new key per request, evicting", |b| {
        b.iter(|| {
            n += 1;
            black_box(rl.observe(&n.to_be_bytes(), T0))
        })
    });
    g.finish();

    // the 10-second evaluation: every tracked key's window slides, the limited set is chosen
    let mut g = c.benchmark_group("rate/evaluation");
    g.throughput(Throughput::Elements(keys.len() as u64));
    let rl = RateLimiter::new(100, 600, roomy()).unwrap();
    let mut now = T0;
    let mut since_fill = u32::MAX;
    g.bench_function("100k tracked keys", |b| {
        b.iter_custom(|iters| {
            let mut total = Duration::ZERO;
            for _ in 0..iters {
                now += 10_000;
                if since_fill >= 50 {
                    // keep every key inside the 600-s window (not timed)
                    for k in &keys {
                        rl.observe(k, now);
                    }
                    since_fill = 0;
                    now += 10_000;
                }
                since_fill += 1;
                let start = Instant::now();
                rl.tick(now);
                total += start.elapsed();
            }
            assert_eq!(rl.stats().tracked_keys, keys.len());
            total
        })
    });
    g.finish();
}

/// Two threads counting at once, half on a shared hot key: the shards' contention.
fn two_threads(c: &mut Criterion) {
    let mut g = c.benchmark_group("rate/observe, 2 threads");
    g.throughput(Throughput::Elements(2));
    let rl = RateLimiter::new(100, 300, RateCaps::default()).unwrap();
    g.bench_function("mixed keys", |b| {
        b.iter_custom(|iters| {
            let start = Instant::now();
            std::thread::scope(|s| {
                for t in 0..2u64 {
                    let rl = &rl;
                    s.spawn(move || {
                        for i in 0..iters {
                            let key = if i % 2 == 0 {
                                0
                            } else {
                                (t << 32) | (i % 50_000)
                            };
                            black_box(rl.observe(&key.to_be_bytes(), T0 + i / 1000));
                        }
                    });
                }
            });
            start.elapsed()
        })
    });
    g.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(3));
    targets = single_thread, two_threads
}
criterion_main!(benches);
