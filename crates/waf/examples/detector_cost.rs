//! Nanoseconds per call of each detector on typical benign values (a development tool).
//!
//! Each figure is the best of several rounds, so that a busy machine's preemptions do not
//! count; `-v` also prints each value's cost.
use std::time::Instant;
use waf::detect::Detector;

/// Nanoseconds per call of `d` on `values`, the best of `rounds` rounds of `n` passes.
fn cost(d: Detector, values: &[&[u8]], n: usize, rounds: usize) -> f64 {
    (0..rounds)
        .map(|_| {
            let t = Instant::now();
            for _ in 0..n {
                for v in values {
                    std::hint::black_box(d.detect(std::hint::black_box(v)));
                }
            }
            t.elapsed().as_nanos() as f64 / (n * values.len()) as f64
        })
        .fold(f64::INFINITY, f64::min)
}

fn main() {
    let values: &[&[u8]] = &[
        b"Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0",
        b"text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
        b"en-GB,en;q=0.5",
        b"gzip, deflate, br",
        b"https://shop.example.com/catalog?page=2",
        b"8f14e45fceea167a5a36dedd4bea2543",
        b"GA1.2.1234567890.1700000000",
        b"running shoes",
        b"/products/shoes",
        b"user-agent",
        b"shop.example.com",
    ];
    // build every detector's tables before timing
    for d in Detector::ALL {
        for v in values {
            std::hint::black_box(d.detect(v));
        }
    }
    if std::env::args().any(|a| a == "-v") {
        for d in Detector::ALL {
            print!("{:24}", d.name());
            for v in values {
                print!(" {:5.0}", cost(d, &[v], 2_000, 7));
            }
            println!();
        }
    }
    for d in Detector::ALL {
        let hits = values.iter().filter(|v| d.detect(v).is_some()).count();
        let ns = cost(d, values, 2_000, 9);
        println!("{:24} {ns:7.1} ns/value  hits {hits}", d.name());
    }
}
