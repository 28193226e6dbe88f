//! Nanoseconds per call of each detector on typical benign values (a development tool).
use std::time::Instant;
use waf::detect::Detector;

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
    let n = 20_000;
    for d in Detector::ALL {
        let t = Instant::now();
        let mut hits = 0;
        for _ in 0..n {
            for v in values {
                if d.detect(std::hint::black_box(v)).is_some() {
                    hits += 1;
                }
            }
        }
        let ns = t.elapsed().as_nanos() as f64 / (n * values.len()) as f64;
        println!("{:24} {ns:7.1} ns/value  hits {}", d.name(), hits / n);
    }
}
