//! AWS WAF rate-based rule counting: requests per aggregate key over a look-back window.
//!
//! AWS counts the requests that match a rate-based rule's scope-down, per aggregate key (an IP,
//! a forwarded IP, a combination of custom keys, or one constant key), over
//! `EvaluationWindowSec` (60, 120, 300 or 600 s), and re-evaluates about every 10 s. A key is
//! rate-limited while its count exceeds the limit; at most 10,000 keys are limited at once per
//! rule, the top senders.
//!
//! Here time is cut into 10-second buckets, and each key keeps one counter per bucket of its
//! window (a ring), so its count is a sliding sum:
//!
//! ```text
//!   window 60 s = 6 buckets        count(key, t) = requests in the bucket of t and the 5 before
//!   ┌────┬────┬────┬────┬────┬────┐
//!   │ 12 │  0 │ 40 │  7 │ 31 │ 9… │ ← current bucket, still filling
//!   └────┴────┴────┴────┴────┴────┘
//! ```
//!
//! The look-back is therefore between `window − 10 s` and `window` long: a steady client below
//! the limit is never counted above it.
//!
//! - **Per request** ([`RateLimiter::observe`]): the request is counted, then the key is limited
//!   when its count exceeds the limit — at once, not at the next evaluation — provided fewer
//!   than `max_limited_keys` keys are limited already.
//! - **Every 10 s** (the first call that sees a new bucket, or [`RateLimiter::tick`]): every
//!   tracked key's window slides; keys with no request left in their window are forgotten; of
//!   the keys over the limit, the `max_limited_keys` with the highest counts are limited until
//!   the next evaluation, the others not. Between evaluations a key's count only grows.
//! - **Tracked keys are bounded** (`max_tracked_keys`, spread over the shards: each shard holds
//!   at most its share, rounded up, so evictions may begin a little before the total reaches
//!   the cap). When a shard is full, the key seen least recently in it is evicted, counted in
//!   [`RateStats::evictions`]; if it comes back it starts from zero. A flood of one-off keys
//!   thus evicts idle keys first, and a busy (limited) key is the last to go.
//! - **Keys longer than [`MAX_STORED_KEY_BYTES`]** are stored as their first 96 bytes followed by
//!   the SHA-256 of the whole key, so one tracked key costs a bounded amount of memory.
//!
//! Thread-safety: keys are spread over `shards` mutexes by a keyed (SipHash, random per
//! limiter) hash, which an attacker cannot aim at one shard. The clock is the caller's
//! (`now_ms`, milliseconds on any monotonic or wall clock); a time earlier than one already seen
//! counts as that later time.

use std::borrow::Borrow;
use std::collections::HashMap;
use std::hash::{BuildHasher, BuildHasherDefault, Hash, Hasher, RandomState};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Mutex, MutexGuard, PoisonError};

/// The length of one counting bucket, and how often the limited set is re-evaluated.
pub const BUCKET_MS: u64 = 10_000;

/// The evaluation windows AWS allows (`EvaluationWindowSec`).
pub const WINDOWS_SECS: [u32; 4] = [60, 120, 300, 600];

/// The longest key stored as is; longer keys are stored as a prefix and a digest.
pub const MAX_STORED_KEY_BYTES: usize = 128;

/// How much of a longer key is kept before its digest.
const TRUNCATED_PREFIX: usize = MAX_STORED_KEY_BYTES - 32;

/// No bucket: the key has not been limited.
const NEVER: u64 = u64::MAX;

/// No slot.
const NIL: u32 = u32::MAX;

/// Resource bounds of one limiter.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RateCaps {
    /// The most keys tracked at once (default 100,000); see the module documentation for the
    /// eviction policy.
    pub max_tracked_keys: usize,
    /// The most keys limited at once (AWS: 10,000 per rule).
    pub max_limited_keys: usize,
    /// How many mutex-guarded shards hold the keys (default 32).
    pub shards: usize,
}

impl Default for RateCaps {
    fn default() -> Self {
        RateCaps {
            max_tracked_keys: 100_000,
            max_limited_keys: 10_000,
            shards: 32,
        }
    }
}

/// Why a limiter could not be built.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum RateError {
    /// The window is not one of [`WINDOWS_SECS`].
    #[error("evaluation window {0} s is not one of 60, 120, 300, 600")]
    Window(u32),
    /// The limit is 0.
    #[error("the rate limit must be at least 1")]
    Limit,
    /// A cap is 0, or there are more shards than tracked keys, or more than 4096 shards.
    #[error("invalid rate limiter caps: {0}")]
    Caps(&'static str),
}

/// Counters of one limiter.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct RateStats {
    /// Keys with at least one request in their window (as of the last evaluation, plus keys
    /// seen since).
    pub tracked_keys: usize,
    /// Keys limited now.
    pub limited_keys: usize,
    /// Keys evicted, since the limiter was built, because their shard was full.
    pub evictions: u64,
}

/// A key limited now, for logs (`rateBasedRuleList`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LimitedKey {
    /// The key's bytes; for a key longer than [`MAX_STORED_KEY_BYTES`], its first 96 bytes
    /// followed by the SHA-256 of the whole key.
    pub key: Vec<u8>,
    /// Whether `key` is the shortened form.
    pub truncated: bool,
    /// The key's count over the window.
    pub count: u64,
}

/// Counts requests per key for one rate-based rule instance.
pub struct RateLimiter {
    limit: u64,
    window_secs: u32,
    shard_cap: usize,
    max_limited: usize,
    hasher: RandomState,
    shards: Box<[Mutex<Shard>]>,
    /// The bucket of the last evaluation; time never goes back past it.
    eval_bucket: AtomicU64,
    eval_lock: Mutex<()>,
    /// Keys limited in the current evaluation period.
    limited_now: AtomicUsize,
    tracked: AtomicUsize,
    evictions: AtomicU64,
}

impl std::fmt::Debug for RateLimiter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RateLimiter")
            .field("limit", &self.limit)
            .field("window_secs", &self.window_secs)
            .field("stats", &self.stats())
            .finish_non_exhaustive()
    }
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    // A panic elsewhere while holding the lock leaves counters, never broken invariants that
    // matter for safety: keep counting.
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

impl RateLimiter {
    /// A limiter that limits a key while its count over `window_secs` exceeds `limit`.
    pub fn new(limit: u64, window_secs: u32, caps: RateCaps) -> Result<Self, RateError> {
        if !WINDOWS_SECS.contains(&window_secs) {
            return Err(RateError::Window(window_secs));
        }
        if limit == 0 {
            return Err(RateError::Limit);
        }
        if caps.max_tracked_keys == 0 || caps.max_limited_keys == 0 || caps.shards == 0 {
            return Err(RateError::Caps("every cap must be at least 1"));
        }
        if caps.shards > 4096 || caps.shards > caps.max_tracked_keys {
            return Err(RateError::Caps(
                "at most 4096 shards, and no more than max_tracked_keys",
            ));
        }
        if caps.max_tracked_keys >= NIL as usize {
            return Err(RateError::Caps("max_tracked_keys is too large"));
        }
        let window_buckets = (u64::from(window_secs) * 1000 / BUCKET_MS) as usize;
        let shards = (0..caps.shards)
            .map(|_| Mutex::new(Shard::new(window_buckets)))
            .collect();
        Ok(RateLimiter {
            limit,
            window_secs,
            shard_cap: caps.max_tracked_keys.div_ceil(caps.shards),
            max_limited: caps.max_limited_keys,
            hasher: RandomState::new(),
            shards,
            eval_bucket: AtomicU64::new(0),
            eval_lock: Mutex::new(()),
            limited_now: AtomicUsize::new(0),
            tracked: AtomicUsize::new(0),
            evictions: AtomicU64::new(0),
        })
    }

    /// The limit (`maxRateAllowed` in logs).
    pub fn limit(&self) -> u64 {
        self.limit
    }

    /// The evaluation window in seconds.
    pub fn window_secs(&self) -> u32 {
        self.window_secs
    }

    /// Counts one request of `key` at `now_ms`; returns whether the key is rate-limited now
    /// (this request included in the count).
    pub fn observe(&self, key: &[u8], now_ms: u64) -> bool {
        let bucket = self.advance_to(now_ms);
        let mut buf = [0u8; MAX_STORED_KEY_BYTES];
        let probe = self.probe(key, &mut buf);
        let mut shard = lock(&self.shards[self.shard_of(probe.hash)]);
        let (i, evicted_limited) = shard.find_or_insert(
            &probe,
            bucket,
            self.shard_cap,
            self.eval_bucket.load(Ordering::Acquire),
        );
        match evicted_limited {
            Eviction::None => {
                self.tracked.fetch_add(1, Ordering::Relaxed);
            }
            Eviction::Idle => {
                self.evictions.fetch_add(1, Ordering::Relaxed);
            }
            Eviction::Limited => {
                self.evictions.fetch_add(1, Ordering::Relaxed);
                self.release_limited();
            }
            Eviction::Found => {}
        }
        let bucket = shard.count(i, bucket);
        let slot = &mut shard.slots[i as usize];
        if slot.limited_at == bucket {
            return true;
        }
        if slot.sum > self.limit && self.admit() {
            slot.limited_at = bucket;
            return true;
        }
        false
    }

    /// The key's count and whether it is limited, without counting a request; `None` when
    /// the key is not tracked.
    pub fn peek(&self, key: &[u8], now_ms: u64) -> Option<(u64, bool)> {
        let bucket = self.advance_to(now_ms);
        let mut buf = [0u8; MAX_STORED_KEY_BYTES];
        let probe = self.probe(key, &mut buf);
        let mut shard = lock(&self.shards[self.shard_of(probe.hash)]);
        let i = *shard.map.get(&probe as &dyn KeyView)?;
        let bucket = bucket.max(shard.slots[i as usize].last_bucket);
        shard.advance(i, bucket);
        let slot = &shard.slots[i as usize];
        Some((slot.sum, slot.limited_at == bucket))
    }

    /// Runs the 10-second evaluation if `now_ms` is in a bucket not yet evaluated. Requests
    /// do this themselves when needed; a timer calling `tick` spares them the pause (a sweep
    /// over every tracked key).
    pub fn tick(&self, now_ms: u64) {
        self.advance_to(now_ms);
    }

    /// Counters.
    pub fn stats(&self) -> RateStats {
        RateStats {
            tracked_keys: self.tracked.load(Ordering::Relaxed),
            limited_keys: self.limited_now.load(Ordering::Relaxed),
            evictions: self.evictions.load(Ordering::Relaxed),
        }
    }

    /// The keys limited now, highest count first (ties by key).
    pub fn limited_keys(&self, now_ms: u64) -> Vec<LimitedKey> {
        let bucket = self.advance_to(now_ms);
        let mut out = Vec::new();
        for shard in self.shards.iter() {
            let shard = lock(shard);
            for slot in shard.slots.iter().filter(|s| s.live) {
                if slot.limited_at != NEVER && slot.limited_at >= bucket {
                    out.push(LimitedKey {
                        key: slot.key.bytes.to_vec(),
                        truncated: slot.key.truncated,
                        count: slot.sum,
                    });
                }
            }
        }
        out.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.key.cmp(&b.key)));
        out
    }

    fn shard_of(&self, hash: u64) -> usize {
        // high bits: the shard's map indexes its buckets with the low ones
        ((hash >> 40) as usize) % self.shards.len()
    }

    /// The stored form of `key` (in `buf` when it must be shortened) and its hash.
    fn probe<'a>(&self, key: &'a [u8], buf: &'a mut [u8; MAX_STORED_KEY_BYTES]) -> Probe<'a> {
        let (bytes, truncated) = if key.len() > MAX_STORED_KEY_BYTES {
            buf[..TRUNCATED_PREFIX].copy_from_slice(&key[..TRUNCATED_PREFIX]);
            let digest = ring::digest::digest(&ring::digest::SHA256, key);
            buf[TRUNCATED_PREFIX..].copy_from_slice(digest.as_ref());
            (&buf[..], true)
        } else {
            (key, false)
        };
        let hash = self.hasher.hash_one((truncated, bytes));
        Probe {
            hash,
            truncated,
            bytes,
        }
    }

    /// The current bucket, after running the evaluation for it if no one has.
    fn advance_to(&self, now_ms: u64) -> u64 {
        let bucket = now_ms / BUCKET_MS;
        let evaluated = self.eval_bucket.load(Ordering::Acquire);
        if bucket > evaluated {
            self.evaluate(bucket);
        }
        bucket.max(self.eval_bucket.load(Ordering::Acquire))
    }

    fn admit(&self) -> bool {
        self.limited_now
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |n| {
                (n < self.max_limited).then_some(n + 1)
            })
            .is_ok()
    }

    fn release_limited(&self) {
        let _ = self
            .limited_now
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |n| n.checked_sub(1));
    }

    /// Slides every key's window to `bucket`, forgets keys with nothing left in it, and limits
    /// the top `max_limited` keys over the limit. One pass over the keys marks every key over
    /// the limit; a second, only when more than `max_limited` are, unmarks those below the cut.
    fn evaluate(&self, bucket: u64) {
        let _guard = lock(&self.eval_lock);
        if self.eval_bucket.load(Ordering::Acquire) >= bucket {
            return;
        }
        let mut over = Vec::new();
        let mut removed = 0;
        for shard in self.shards.iter() {
            removed += lock(shard).sweep(bucket, self.limit, &mut over);
        }
        let _ = self
            .tracked
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |n| {
                Some(n.saturating_sub(removed))
            });
        let mut limited = over.len();
        if over.len() > self.max_limited {
            // Keys above `cut` stay limited, and as many at `cut` as there is room for.
            let k = self.max_limited - 1;
            let (_, &mut cut, _) = over.select_nth_unstable_by(k, |a, b| b.cmp(a));
            let above = over.iter().filter(|&&c| c > cut).count();
            let mut ties = self.max_limited - above;
            limited = 0;
            for shard in self.shards.iter() {
                let mut shard = lock(shard);
                for slot in shard.slots.iter_mut().filter(|s| s.live) {
                    if slot.limited_at != bucket {
                        continue;
                    }
                    if slot.sum > cut || (slot.sum == cut && ties > 0) {
                        if slot.sum == cut {
                            ties -= 1;
                        }
                        limited += 1;
                    } else {
                        slot.limited_at = NEVER;
                    }
                }
            }
        }
        self.limited_now.store(limited, Ordering::Release);
        self.eval_bucket.store(bucket, Ordering::Release);
    }
}

/// What making room for a new key did.
enum Eviction {
    /// The key was tracked already.
    Found,
    /// A new key, in a free slot.
    None,
    /// A new key, in place of an evicted key that was not limited.
    Idle,
    /// A new key, in place of an evicted key that was limited.
    Limited,
}

/// A key as stored: its bytes (or shortened form) and its keyed hash.
#[derive(Clone, Default)]
struct StoredKey {
    hash: u64,
    truncated: bool,
    bytes: Box<[u8]>,
}

/// A key being looked up, borrowed.
struct Probe<'a> {
    hash: u64,
    truncated: bool,
    bytes: &'a [u8],
}

/// What the shard maps compare: lets a borrowed [`Probe`] find a [`StoredKey`] without
/// allocating.
trait KeyView {
    fn parts(&self) -> (u64, bool, &[u8]);
}

impl KeyView for StoredKey {
    fn parts(&self) -> (u64, bool, &[u8]) {
        (self.hash, self.truncated, &self.bytes)
    }
}

impl KeyView for Probe<'_> {
    fn parts(&self) -> (u64, bool, &[u8]) {
        (self.hash, self.truncated, self.bytes)
    }
}

impl<'a> Borrow<dyn KeyView + 'a> for StoredKey {
    fn borrow(&self) -> &(dyn KeyView + 'a) {
        self
    }
}

impl Hash for dyn KeyView + '_ {
    fn hash<H: Hasher>(&self, state: &mut H) {
        state.write_u64(self.parts().0);
    }
}

impl PartialEq for dyn KeyView + '_ {
    fn eq(&self, other: &Self) -> bool {
        self.parts() == other.parts()
    }
}

impl Eq for dyn KeyView + '_ {}

impl Hash for StoredKey {
    fn hash<H: Hasher>(&self, state: &mut H) {
        state.write_u64(self.hash);
    }
}

impl PartialEq for StoredKey {
    fn eq(&self, other: &Self) -> bool {
        self.parts() == other.parts()
    }
}

impl Eq for StoredKey {}

/// The keys are hashed once, with the limiter's keyed hasher; the maps reuse that hash.
#[derive(Default)]
struct PassThrough(u64);

impl Hasher for PassThrough {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        // only `write_u64` is used; fold anything else in rather than lose it
        for &b in bytes {
            self.0 = self.0.rotate_left(8) ^ u64::from(b);
        }
    }

    fn write_u64(&mut self, n: u64) {
        self.0 = n;
    }
}

/// One key: its place in the recency list and its counters (the ring of per-bucket counts
/// lives in the shard's slab, at the slot's index).
struct Slot {
    key: StoredKey,
    live: bool,
    prev: u32,
    next: u32,
    /// The bucket the ring was last slid to.
    last_bucket: u64,
    /// The ring's sum: the key's count over the window.
    sum: u64,
    /// The bucket in which the key was last limited, or [`NEVER`].
    limited_at: u64,
}

/// A shard: a map from key to slot, the slots in a most-recently-seen-first list, and every
/// slot's ring of counts in one slab (slot `i` at `i * window..`).
struct Shard {
    map: HashMap<StoredKey, u32, BuildHasherDefault<PassThrough>>,
    slots: Vec<Slot>,
    counts: Vec<u32>,
    window: usize,
    free: Vec<u32>,
    head: u32,
    tail: u32,
}

impl Shard {
    fn new(window: usize) -> Self {
        Shard {
            map: HashMap::default(),
            slots: Vec::new(),
            counts: Vec::new(),
            window,
            free: Vec::new(),
            head: NIL,
            tail: NIL,
        }
    }

    fn ring(&mut self, i: u32) -> (&mut Slot, &mut [u32]) {
        let at = i as usize * self.window;
        (
            &mut self.slots[i as usize],
            &mut self.counts[at..at + self.window],
        )
    }

    /// Slides slot `i`'s ring forward to `bucket`, dropping the buckets that leave the window.
    fn advance(&mut self, i: u32, bucket: u64) {
        let (slot, counts) = self.ring(i);
        if bucket <= slot.last_bucket {
            return;
        }
        let n = counts.len() as u64;
        let gap = bucket - slot.last_bucket;
        if gap >= n {
            counts.fill(0);
            slot.sum = 0;
        } else {
            for k in 1..=gap {
                let idx = ((slot.last_bucket + k) % n) as usize;
                slot.sum -= u64::from(counts[idx]);
                counts[idx] = 0;
            }
        }
        slot.last_bucket = bucket;
    }

    /// Counts one request for slot `i` at `bucket` (or at the slot's later bucket); returns
    /// the bucket it was counted in.
    fn count(&mut self, i: u32, bucket: u64) -> u64 {
        let bucket = bucket.max(self.slots[i as usize].last_bucket);
        self.advance(i, bucket);
        let (slot, counts) = self.ring(i);
        let idx = (bucket % counts.len() as u64) as usize;
        counts[idx] = counts[idx].saturating_add(1);
        slot.sum += 1;
        bucket
    }

    fn unlink(&mut self, i: u32) {
        let (prev, next) = {
            let s = &self.slots[i as usize];
            (s.prev, s.next)
        };
        if prev == NIL {
            self.head = next;
        } else {
            self.slots[prev as usize].next = next;
        }
        if next == NIL {
            self.tail = prev;
        } else {
            self.slots[next as usize].prev = prev;
        }
    }

    fn push_front(&mut self, i: u32) {
        let old = self.head;
        {
            let s = &mut self.slots[i as usize];
            s.prev = NIL;
            s.next = old;
        }
        if old == NIL {
            self.tail = i;
        } else {
            self.slots[old as usize].prev = i;
        }
        self.head = i;
    }

    /// The slot of `probe`, moved to the front; a new one (zeroed, at `bucket`) if the key is
    /// not tracked, evicting the least recently seen key when the shard is full.
    fn find_or_insert(
        &mut self,
        probe: &Probe<'_>,
        bucket: u64,
        cap: usize,
        evaluated: u64,
    ) -> (u32, Eviction) {
        if let Some(&i) = self.map.get(probe as &dyn KeyView) {
            if self.head != i {
                self.unlink(i);
                self.push_front(i);
            }
            return (i, Eviction::Found);
        }
        let key = StoredKey {
            hash: probe.hash,
            truncated: probe.truncated,
            bytes: probe.bytes.into(),
        };
        let (i, eviction) = if self.map.len() >= cap && self.tail != NIL {
            let t = self.tail;
            self.unlink(t);
            let old = std::mem::take(&mut self.slots[t as usize].key);
            self.map.remove(&old);
            let limited = self.slots[t as usize].limited_at;
            let eviction = if limited != NEVER && limited >= evaluated {
                Eviction::Limited
            } else {
                Eviction::Idle
            };
            (t, eviction)
        } else if let Some(f) = self.free.pop() {
            (f, Eviction::None)
        } else {
            self.slots.push(Slot {
                key: StoredKey::default(),
                live: false,
                prev: NIL,
                next: NIL,
                last_bucket: bucket,
                sum: 0,
                limited_at: NEVER,
            });
            self.counts.resize(self.slots.len() * self.window, 0);
            ((self.slots.len() - 1) as u32, Eviction::None)
        };
        let (slot, counts) = self.ring(i);
        counts.fill(0);
        *slot = Slot {
            key: key.clone(),
            live: true,
            prev: NIL,
            next: NIL,
            last_bucket: bucket,
            sum: 0,
            limited_at: NEVER,
        };
        self.map.insert(key, i);
        self.push_front(i);
        (i, eviction)
    }

    /// Slides every slot to `bucket`, in memory order; frees the empty ones (returning how
    /// many); marks the ones over `limit` as limited in `bucket` and collects their counts.
    fn sweep(&mut self, bucket: u64, limit: u64, over: &mut Vec<u64>) -> usize {
        let mut removed = 0;
        for i in 0..self.slots.len() as u32 {
            if !self.slots[i as usize].live {
                continue;
            }
            self.advance(i, bucket);
            let slot = &mut self.slots[i as usize];
            if slot.sum == 0 {
                let key = std::mem::take(&mut slot.key);
                slot.live = false;
                slot.limited_at = NEVER;
                self.map.remove(&key);
                self.unlink(i);
                self.free.push(i);
                removed += 1;
            } else if slot.sum > limit {
                slot.limited_at = bucket;
                over.push(slot.sum);
            }
        }
        removed
    }
}

/// The SHA-256 of a rate-based statement's definition (limit, window, keys, scope-down), as
/// this build of the engine reads it. Two statements with the same fingerprint count alike.
pub(crate) fn fingerprint(s: &crate::acl::json::RateBasedStatement) -> [u8; 32] {
    let d = ring::digest::digest(&ring::digest::SHA256, format!("{s:?}").as_bytes());
    let mut out = [0u8; 32];
    out.copy_from_slice(d.as_ref());
    out
}

impl crate::engine::WebAcl {
    /// Takes over the counters of `old`'s rate-based rules whose definition is unchanged: same
    /// rule name (and, inside a rule group, the same referencing rule), same statement. Other
    /// rules keep the empty counters they were compiled with. Both web ACLs then count into the
    /// same limiters, so requests still evaluated by `old` during a reload are not lost.
    /// Returns how many rules adopted a counter.
    ///
    /// What a statement refers to (an IP set's addresses, a regex pattern set) is not part of
    /// its definition here: a rule whose referenced set changed keeps its counters.
    pub fn adopt_rate_state(&mut self, old: &crate::engine::WebAcl) -> usize {
        use std::sync::Arc;

        use crate::engine::{Rule, Stmt, Then};

        fn walk<'a>(rules: &'a [Rule], prefix: &str, f: &mut dyn FnMut(String, &'a Stmt)) {
            for r in rules {
                match &r.then {
                    Then::Group(g) => walk(&g.rules, &r.name, f),
                    Then::Action { .. } => f(format!("{prefix}/{}", r.name), &r.statement),
                }
            }
        }
        fn walk_mut(rules: &mut [Rule], prefix: &str, f: &mut dyn FnMut(String, &mut Stmt)) {
            for r in rules {
                match &mut r.then {
                    Then::Group(g) => walk_mut(&mut g.rules, &r.name, f),
                    Then::Action { .. } => f(format!("{prefix}/{}", r.name), &mut r.statement),
                }
            }
        }

        let mut previous: HashMap<(String, [u8; 32]), Arc<RateLimiter>> = HashMap::new();
        walk(&old.rules, "", &mut |name, stmt| {
            // a rate-based statement is always a rule's top-level statement
            if let Stmt::Rate(r) = stmt {
                previous.insert((name, r.fingerprint), r.limiter.clone());
            }
        });
        let mut adopted = 0;
        walk_mut(&mut self.rules, "", &mut |name, stmt| {
            if let Stmt::Rate(r) = stmt
                && let Some(l) = previous.remove(&(name, r.fingerprint))
            {
                r.limiter = l;
                adopted += 1;
            }
        });
        adopted
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::collections::BTreeMap;

    const S: u64 = 1000;

    fn caps(tracked: usize, limited: usize, shards: usize) -> RateCaps {
        RateCaps {
            max_tracked_keys: tracked,
            max_limited_keys: limited,
            shards,
        }
    }

    #[test]
    fn rejects_bad_settings() {
        assert_eq!(
            RateLimiter::new(10, 30, RateCaps::default()).unwrap_err(),
            RateError::Window(30)
        );
        assert_eq!(
            RateLimiter::new(0, 60, RateCaps::default()).unwrap_err(),
            RateError::Limit
        );
        assert!(RateLimiter::new(10, 60, caps(0, 1, 1)).is_err());
        assert!(RateLimiter::new(10, 60, caps(4, 1, 8)).is_err());
    }

    #[test]
    fn limits_once_the_count_exceeds_the_limit() {
        let rl = RateLimiter::new(10, 60, RateCaps::default()).unwrap();
        let t = 1_000_000 * S;
        for i in 0..10 {
            assert!(!rl.observe(b"1.2.3.4", t + i), "request {i}");
        }
        assert!(rl.observe(b"1.2.3.4", t + 10));
        assert!(
            !rl.observe(b"5.6.7.8", t + 11),
            "other keys are counted apart"
        );
        assert_eq!(rl.peek(b"1.2.3.4", t + 12), Some((11, true)));
        let stats = rl.stats();
        assert_eq!(stats.tracked_keys, 2);
        assert_eq!(stats.limited_keys, 1);
        assert_eq!(
            rl.limited_keys(t + 12),
            [LimitedKey {
                key: b"1.2.3.4".to_vec(),
                truncated: false,
                count: 11
            }]
        );
    }

    #[test]
    fn the_window_slides_by_ten_second_buckets() {
        let rl = RateLimiter::new(10, 60, RateCaps::default()).unwrap();
        let t0 = 1_000_000 * S; // a bucket boundary
        for i in 0..11 {
            rl.observe(b"k", t0 + i);
        }
        assert!(
            rl.observe(b"k", t0 + 59 * S),
            "still in the 6-bucket window"
        );
        // at t0 + 60 s the first bucket has left the window: 1 request left
        assert!(!rl.observe(b"k", t0 + 60 * S));
        assert_eq!(rl.peek(b"k", t0 + 60 * S), Some((2, false)));
        assert!(rl.limited_keys(t0 + 60 * S).is_empty());
        // a key with nothing left in its window is forgotten at the next evaluation
        rl.tick(t0 + 200 * S);
        assert_eq!(rl.stats().tracked_keys, 0);
        assert_eq!(rl.peek(b"k", t0 + 200 * S), None);
    }

    #[test]
    fn time_going_back_counts_as_the_latest_time() {
        let rl = RateLimiter::new(3, 60, RateCaps::default()).unwrap();
        let t0 = 500 * S;
        rl.observe(b"k", t0 + 100 * S);
        for _ in 0..3 {
            rl.observe(b"k", t0);
        }
        assert_eq!(rl.peek(b"k", t0), Some((4, true)));
    }

    #[test]
    fn at_most_max_limited_keys_the_top_senders() {
        let rl = RateLimiter::new(10, 60, caps(1000, 2, 4)).unwrap();
        let t0 = 100_000 * S;
        // key k sends 20 + k requests: all over the limit
        for k in 0..5u8 {
            for _ in 0..(20 + u32::from(k)) {
                rl.observe(&[k], t0);
            }
        }
        // first come, first limited within the bucket
        assert_eq!(rl.stats().limited_keys, 2);
        assert!(rl.peek(&[0], t0).unwrap().1);
        assert!(!rl.peek(&[4], t0).unwrap().1);
        // at the next evaluation the top senders win
        let next = t0 + BUCKET_MS;
        let top: Vec<_> = rl.limited_keys(next).into_iter().map(|k| k.key).collect();
        assert_eq!(top, [vec![4], vec![3]]);
        assert!(rl.observe(&[4], next));
        assert!(!rl.observe(&[0], next));
    }

    #[test]
    fn long_keys_are_stored_shortened() {
        let rl = RateLimiter::new(1, 60, RateCaps::default()).unwrap();
        let long_a = vec![b'a'; 1000];
        let mut long_b = long_a.clone();
        long_b[999] = b'b';
        assert!(!rl.observe(&long_a, 0));
        assert!(!rl.observe(&long_b, 0), "same prefix, different digest");
        assert!(rl.observe(&long_a, 1));
        let limited = rl.limited_keys(2);
        assert_eq!(limited.len(), 1);
        assert!(limited[0].truncated);
        assert_eq!(limited[0].key.len(), MAX_STORED_KEY_BYTES);
        assert_eq!(
            &limited[0].key[..TRUNCATED_PREFIX],
            &long_a[..TRUNCATED_PREFIX]
        );
        // a short key equal to the shortened form is a different key
        let lookalike = limited[0].key.clone();
        assert!(!rl.observe(&lookalike, 3));
    }

    #[test]
    fn eviction_takes_the_least_recently_seen() {
        let rl = RateLimiter::new(100, 60, caps(3, 10, 1)).unwrap();
        for k in [b"a", b"b", b"c"] {
            rl.observe(k, 0);
        }
        rl.observe(b"a", 1); // b is now the least recently seen
        rl.observe(b"d", 2);
        assert_eq!(rl.stats().evictions, 1);
        assert_eq!(rl.stats().tracked_keys, 3);
        assert_eq!(rl.peek(b"b", 3), None);
        assert_eq!(rl.peek(b"a", 3), Some((2, false)));
    }

    #[test]
    fn counts_from_many_threads_add_up() {
        let rl = RateLimiter::new(1000, 300, RateCaps::default()).unwrap();
        let t = 10_000 * S;
        let limited: usize = std::thread::scope(|s| {
            let handles: Vec<_> = (0..4)
                .map(|n| {
                    let rl = &rl;
                    s.spawn(move || {
                        let mut limited = 0;
                        for i in 0..2500u32 {
                            if rl.observe(b"shared", t) {
                                limited += 1;
                            }
                            rl.observe(&(n * 10_000 + i).to_be_bytes(), t);
                        }
                        limited
                    })
                })
                .collect();
            handles.into_iter().map(|h| h.join().unwrap()).sum()
        });
        assert_eq!(limited, 10_000 - 1000);
        assert_eq!(rl.peek(b"shared", t), Some((10_000, true)));
        assert_eq!(rl.stats().tracked_keys, 10_001);
    }

    /// The oracle: every request's timestamp, per key.
    #[derive(Default)]
    struct Oracle {
        times: BTreeMap<u8, Vec<u64>>,
    }

    impl Oracle {
        fn count(&self, key: u8, bucket: u64, window_buckets: u64) -> u64 {
            self.times.get(&key).map_or(0, |ts| {
                ts.iter()
                    .filter(|&&t| t / BUCKET_MS + window_buckets > bucket)
                    .count() as u64
            })
        }
    }

    fn window() -> impl Strategy<Value = u32> {
        prop::sample::select(WINDOWS_SECS.to_vec())
    }

    proptest! {
        // Without cap pressure, a key is limited exactly when the oracle's count over the
        // window's buckets exceeds the limit.
        #[test]
        fn matches_a_timestamp_oracle(
            limit in 1u64..8,
            window_secs in window(),
            steps in proptest::collection::vec((0u8..4, 0u64..25_000), 1..300),
        ) {
            let rl = RateLimiter::new(limit, window_secs, RateCaps::default()).unwrap();
            let n = u64::from(window_secs) / 10;
            let mut oracle = Oracle::default();
            let mut now = 7_777_777;
            for (key, dt) in steps {
                now += dt;
                oracle.times.entry(key).or_default().push(now);
                let expected = oracle.count(key, now / BUCKET_MS, n) > limit;
                prop_assert_eq!(rl.observe(&[key], now), expected, "key {} at {}", key, now);
            }
            for key in 0..4u8 {
                let c = oracle.count(key, now / BUCKET_MS, n);
                let got = rl.peek(&[key], now).map_or(0, |(c, _)| c);
                prop_assert_eq!(got, c);
            }
        }

        // With one shard and a small cap: the same, where an evicted key starts from zero,
        // the least recently seen key goes first, and keys idle for a whole window are
        // forgotten at each evaluation.
        #[test]
        fn eviction_matches_an_lru_oracle(
            cap in 1usize..5,
            steps in proptest::collection::vec((0u8..8, 0u64..20_000), 1..300),
        ) {
            let limit = 3;
            let rl = RateLimiter::new(limit, 60, caps(cap, 1000, 1)).unwrap();
            let n = 6;
            let mut oracle = Oracle::default();
            let mut seen: BTreeMap<u8, u64> = BTreeMap::new(); // key → last step
            let mut evictions = 0u64;
            let mut now = 1_000_000;
            let mut evaluated = now / BUCKET_MS;
            for (step, (key, dt)) in steps.into_iter().enumerate() {
                now += dt;
                let bucket = now / BUCKET_MS;
                if bucket > evaluated {
                    evaluated = bucket;
                    let idle: Vec<u8> = seen
                        .keys()
                        .copied()
                        .filter(|&k| oracle.count(k, bucket, n) == 0)
                        .collect();
                    for k in idle {
                        seen.remove(&k);
                        oracle.times.remove(&k);
                    }
                }
                if !seen.contains_key(&key) && seen.len() >= cap {
                    let lru = seen.iter().min_by_key(|&(_, &s)| s).map(|(&k, _)| k).unwrap();
                    seen.remove(&lru);
                    oracle.times.remove(&lru);
                    evictions += 1;
                }
                seen.insert(key, step as u64);
                oracle.times.entry(key).or_default().push(now);
                let expected = oracle.count(key, bucket, n) > limit;
                prop_assert_eq!(rl.observe(&[key], now), expected, "key {} at {}", key, now);
                prop_assert_eq!(rl.stats().evictions, evictions);
                prop_assert_eq!(rl.stats().tracked_keys, seen.len());
            }
        }

        // Under cap pressure: never more than max_limited keys, a limited key is always over
        // the limit, and a key over the limit is limited while there is room.
        #[test]
        fn the_limited_set_respects_its_cap(
            max_limited in 1usize..4,
            steps in proptest::collection::vec((0u8..10, 0u64..3_000), 1..400),
        ) {
            let limit = 2;
            let rl = RateLimiter::new(limit, 60, caps(1000, max_limited, 4)).unwrap();
            let mut oracle = Oracle::default();
            let mut now = 3_000_000;
            for (key, dt) in steps {
                now += dt;
                oracle.times.entry(key).or_default().push(now);
                let over = oracle.count(key, now / BUCKET_MS, 6) > limit;
                rl.tick(now);
                let room = rl.stats().limited_keys < max_limited;
                let limited = rl.observe(&[key], now);
                prop_assert!(!limited || over);
                if over && room {
                    prop_assert!(limited, "room was left, yet {} was not limited", key);
                }
                prop_assert!(rl.stats().limited_keys <= max_limited);
                prop_assert!(rl.limited_keys(now).len() <= max_limited);
            }
        }
    }

    /// A web ACL with rate-based rules `a` (limit `limit_a`) and `b` (limit 100).
    fn rate_acl(limit_a: u64) -> crate::WebAcl {
        let vis = r#"{"SampledRequestsEnabled": false, "CloudWatchMetricsEnabled": false, "MetricName": "m"}"#;
        let rule = |name: &str, priority: u32, limit: u64| {
            format!(
                r#"{{"Name": "{name}", "Priority": {priority}, "Action": {{"Count": {{}}}}, "VisibilityConfig": {vis},
                  "Statement": {{"RateBasedStatement": {{"Limit": {limit}, "EvaluationWindowSec": 60, "AggregateKeyType": "IP"}}}}}}"#
            )
        };
        let text = format!(
            r#"{{"Name": "w", "DefaultAction": {{"Allow": {{}}}}, "VisibilityConfig": {vis}, "Rules": [{}, {}]}}"#,
            rule("a", 0, limit_a),
            rule("b", 1, 100)
        );
        let loaded = crate::acl::load_web_acl(&text).unwrap();
        crate::compile(&loaded.value, loaded.search_strings, &Default::default()).unwrap()
    }

    fn rate_counts(acl: &crate::WebAcl, now_ms: u64) -> Vec<Option<(u64, bool)>> {
        acl.rules
            .iter()
            .map(|r| match &r.statement {
                crate::engine::Stmt::Rate(r) => r.limiter.peek(&[192, 0, 2, 1], now_ms),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn an_unchanged_rate_rule_keeps_its_counters_and_a_changed_one_starts_empty() {
        let old = rate_acl(10);
        let headers = [];
        let req = crate::Request {
            client_ip: "192.0.2.1".parse().unwrap(),
            method: "GET",
            uri: "/",
            http_version: "HTTP/1.1",
            headers: &headers,
            body: b"",
            body_len: Some(0),
            ja3: None,
            ja4: None,
        };
        let now = 1_700_000_000;
        let opts = crate::Options {
            now,
            now_ms: now * S,
            ..Default::default()
        };
        for _ in 0..12 {
            old.evaluate(&req, opts);
        }
        assert_eq!(
            rate_counts(&old, now * S),
            [Some((12, true)), Some((12, false))]
        );
        // the same document again: both rules carry on
        let mut same = rate_acl(10);
        assert_eq!(same.adopt_rate_state(&old), 2);
        assert_eq!(
            rate_counts(&same, now * S),
            [Some((12, true)), Some((12, false))]
        );
        let v = same.evaluate(&req, opts);
        assert_eq!(
            v.rate_based_rules.len(),
            1,
            "still limited after the reload"
        );
        // the old generation counts into the same limiter while it drains
        old.evaluate(&req, opts);
        assert_eq!(rate_counts(&same, now * S)[1], Some((14, false)));
        // `a`'s limit changed: it starts empty; `b` is unchanged
        let mut changed = rate_acl(20);
        assert_eq!(changed.adopt_rate_state(&same), 1);
        assert_eq!(rate_counts(&changed, now * S), [None, Some((14, false))]);
    }
}
