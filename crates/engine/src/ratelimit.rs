//! Client-side rate limits: one token bucket per operation class.
//!
//! AWS throttles Pinpoint per operation (segment and campaign writes 25/s,
//! template writes 10/s, endpoint writes 10/s and deletes 5/s, everything
//! else 300/s; burst equals rate). A big apply that sends faster only collects 429s, so the
//! executor asks [`RateLimiter::acquire`] for a token of the step's class
//! ([`Provider::rate_class`](crate::Provider::rate_class)) before each
//! request. Each bucket refills at `rate` per second and holds up to half of
//! AWS's burst (`rate / 2` tokens, at least one): the half left in AWS's own
//! bucket absorbs requests that arrive a little early (a new connection, the
//! scheduler), which at exactly the quota would be throttled. It costs half
//! a second of burst once per class. A caller that finds the bucket empty
//! reserves the next token and sleeps until it is due, so waiters are served
//! in order.
//!
//! The clock is tokio's, so tests run under `tokio::time::pause()` without
//! waiting. (`governor` keeps its own clock, which paused tests cannot drive;
//! the bucket itself is a few lines.)

use std::collections::{BTreeMap, HashMap};
use std::sync::{Mutex, PoisonError};
use std::time::Duration;

use tokio::time::Instant;

/// The class a provider uses for anything without a class of its own.
pub const OTHER_CLASS: &str = "other";

/// AWS's published Pinpoint quotas, requests per second per class.
pub fn default_rates() -> BTreeMap<String, f64> {
    [
        ("segment-write", 25.0),
        ("campaign-write", 25.0),
        ("template-write", 10.0),
        ("endpoint-write", 10.0),
        // DeleteEndpoint: 5 per second.
        ("endpoint-delete", 5.0),
        // CloudWatch PutMetricAlarm and DeleteAlarms: 3 per second.
        ("alarm-write", 3.0),
        (OTHER_CLASS, 300.0),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v))
    .collect()
}

/// A rate that is not a positive finite number.
#[derive(Debug, thiserror::Error)]
#[error("the rate of `{class}` must be a positive number of requests per second, not `{rate}`")]
pub struct RateError {
    pub class: String,
    pub rate: f64,
}

/// Token buckets per operation class, shared by all running steps.
#[derive(Debug)]
pub struct RateLimiter {
    rates: BTreeMap<String, f64>,
    buckets: Mutex<HashMap<String, Bucket>>,
}

#[derive(Debug)]
struct Bucket {
    /// May go negative: tokens reserved by callers that are sleeping.
    tokens: f64,
    capacity: f64,
    rate: f64,
    last: Instant,
}

impl RateLimiter {
    /// Buckets at [`default_rates`], overridden and extended by `rates`. A
    /// class with no rate of its own gets the `other` rate.
    pub fn new(rates: &BTreeMap<String, f64>) -> Result<Self, RateError> {
        let mut all = default_rates();
        for (class, &rate) in rates {
            if !(rate.is_finite() && rate > 0.0) {
                return Err(RateError {
                    class: class.clone(),
                    rate,
                });
            }
            all.insert(class.clone(), rate);
        }
        Ok(Self {
            rates: all,
            buckets: Mutex::new(HashMap::new()),
        })
    }

    /// The rate (requests per second) that applies to `class`.
    pub fn rate(&self, class: &str) -> f64 {
        self.rates
            .get(class)
            .or_else(|| self.rates.get(OTHER_CLASS))
            .copied()
            .unwrap_or(300.0)
    }

    /// Waits until a request of `class` may be sent, and takes its token.
    pub async fn acquire(&self, class: &str) {
        let wait = self.reserve(class);
        if !wait.is_zero() {
            tokio::time::sleep(wait).await;
        }
    }

    /// How long until a token of `class` is there (zero: now). Takes nothing.
    pub fn available_in(&self, class: &str) -> Duration {
        self.with_bucket(class, |b| {
            if b.tokens >= 1.0 {
                Duration::ZERO
            } else {
                Duration::from_secs_f64((1.0 - b.tokens) / b.rate)
            }
        })
    }

    /// Takes a token of `class` if one is there now.
    pub fn try_acquire(&self, class: &str) -> bool {
        self.with_bucket(class, |b| {
            let ok = b.tokens >= 1.0;
            if ok {
                b.tokens -= 1.0;
            }
            ok
        })
    }

    /// Runs `f` on the class's bucket, refilled up to now.
    fn with_bucket<T>(&self, class: &str, f: impl FnOnce(&mut Bucket) -> T) -> T {
        let now = Instant::now();
        let rate = self.rate(class);
        let mut buckets = self.buckets.lock().unwrap_or_else(PoisonError::into_inner);
        let capacity = (rate / 2.0).max(1.0);
        let bucket = buckets.entry(class.to_owned()).or_insert_with(|| Bucket {
            tokens: capacity,
            capacity,
            rate,
            last: now,
        });
        let elapsed = now.saturating_duration_since(bucket.last).as_secs_f64();
        bucket.tokens = (bucket.tokens + elapsed * bucket.rate).min(bucket.capacity);
        bucket.last = now;
        f(bucket)
    }

    /// Takes a token now and returns how long to wait before using it.
    fn reserve(&self, class: &str) -> Duration {
        self.with_bucket(class, |bucket| {
            bucket.tokens -= 1.0;
            if bucket.tokens >= 0.0 {
                Duration::ZERO
            } else {
                Duration::from_secs_f64(-bucket.tokens / bucket.rate)
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;

    #[tokio::test(start_paused = true)]
    async fn ten_per_second_holds_under_paused_time() {
        let limiter = Arc::new(RateLimiter::new(&BTreeMap::new()).unwrap());
        assert!((limiter.rate("template-write") - 10.0).abs() < f64::EPSILON);
        let start = Instant::now();
        let mut tasks = tokio::task::JoinSet::new();
        for _ in 0..100 {
            let l = limiter.clone();
            tasks.spawn(async move {
                l.acquire("template-write").await;
                Instant::now()
            });
        }
        let mut times = Vec::new();
        while let Some(t) = tasks.join_next().await {
            times.push(t.unwrap().duration_since(start));
        }
        times.sort();
        // Half of AWS's burst of 10 goes at once, then one every 100 ms.
        assert_eq!(times.iter().filter(|t| t.is_zero()).count(), 5);
        let total = times[99];
        assert!(
            total >= Duration::from_millis(9_490) && total <= Duration::from_millis(9_510),
            "{total:?}"
        );
        // In every window of one second, at most burst + rate requests.
        for (i, t) in times.iter().enumerate() {
            let in_window = times[i..]
                .iter()
                .take_while(|u| **u < *t + Duration::from_secs(1))
                .count();
            assert!(in_window <= 20, "{in_window} requests within 1s of {t:?}");
        }
        // The sustained rate over the last 90 requests is 10/s.
        let sustained = 90.0 / times[99].saturating_sub(times[9]).as_secs_f64();
        assert!((sustained - 10.0).abs() < 0.2, "{sustained}");
    }

    #[tokio::test(start_paused = true)]
    async fn classes_do_not_share_a_bucket_and_refill_over_time() {
        let limiter = RateLimiter::new(&BTreeMap::from([("slow".to_owned(), 2.0)])).unwrap();
        let start = Instant::now();
        for _ in 0..3 {
            limiter.acquire("slow").await;
        }
        // A burst of one (half of two), then one every half second.
        assert_eq!(start.elapsed(), Duration::from_secs(1));
        // Another class is not held up by `slow`.
        let t = Instant::now();
        limiter.acquire("segment-write").await;
        assert_eq!(t.elapsed(), Duration::ZERO);
        // After a pause the bucket is full again (up to its capacity only).
        tokio::time::sleep(Duration::from_secs(10)).await;
        let t = Instant::now();
        for _ in 0..3 {
            limiter.acquire("slow").await;
        }
        assert_eq!(t.elapsed(), Duration::from_secs(1));
    }

    #[test]
    fn unknown_classes_use_the_other_rate_and_bad_rates_are_refused() {
        let limiter = RateLimiter::new(&BTreeMap::new()).unwrap();
        assert!((limiter.rate("no-such-class") - 300.0).abs() < f64::EPSILON);
        assert!((limiter.rate("segment-write") - 25.0).abs() < f64::EPSILON);
        for bad in [0.0, -1.0, f64::NAN, f64::INFINITY] {
            let err = RateLimiter::new(&BTreeMap::from([("x".to_owned(), bad)])).unwrap_err();
            assert!(err.to_string().contains("`x`"));
        }
    }
}
