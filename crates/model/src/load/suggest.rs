//! "Did you mean": the few keys nearest to a word that names none, by edit
//! distance, with the work per word bounded whatever the number of keys.
//!
//! With up to [`COMPARE_ALL_UP_TO`] keys every key is compared. Beyond
//! that, only the keys next to the word in sorted order and next to it in
//! the order of reversed keys are, [`NEIGHBOURS`] on each side: a typo
//! keeps either the start or the end of a key, so its neighbours in one of
//! the two orders hold the near keys. A spec with 10,000 segments and
//! 10,000 campaigns naming missing ones thus costs 10,000 × 128 comparisons
//! of at most [`MAX_CHARS`] characters, not 10,000 × 10,000.

/// At most this many keys are suggested.
pub const MAX_SUGGESTIONS: usize = 3;
/// Up to this many keys, every key is compared.
pub const COMPARE_ALL_UP_TO: usize = 64;
/// Beyond [`COMPARE_ALL_UP_TO`], the keys compared on each side of the word
/// in each order.
pub const NEIGHBOURS: usize = 32;
/// Only this many leading characters of a word and a key are compared.
pub const MAX_CHARS: usize = 64;

/// The keys of one section, indexed once for many words.
#[derive(Debug, Default)]
pub struct Index {
    /// The keys, sorted.
    sorted: Vec<String>,
    /// Each key as compared (lower case, at most [`MAX_CHARS`]), in the
    /// order of `sorted`.
    folded: Vec<Vec<char>>,
    /// Each key reversed (by character), sorted, with its place in `sorted`.
    reversed: Vec<(String, usize)>,
}

impl Index {
    pub fn new<'a>(keys: impl IntoIterator<Item = &'a str>) -> Index {
        let mut sorted: Vec<String> = keys.into_iter().map(str::to_owned).collect();
        sorted.sort();
        sorted.dedup();
        let mut reversed: Vec<(String, usize)> = if sorted.len() > COMPARE_ALL_UP_TO {
            sorted
                .iter()
                .enumerate()
                .map(|(i, k)| (k.chars().rev().collect(), i))
                .collect()
        } else {
            Vec::new()
        };
        reversed.sort();
        let folded = sorted.iter().map(|k| folded(k)).collect();
        Index {
            sorted,
            folded,
            reversed,
        }
    }

    /// The keys worth suggesting for `word`, nearest first (then by name),
    /// at most [`MAX_SUGGESTIONS`].
    pub fn nearest(&self, word: &str) -> Vec<&str> {
        let target: Vec<char> = folded(word);
        let mut scored: Vec<(usize, &str)> = self
            .candidates(word)
            .into_iter()
            .filter_map(|i| {
                distance(&target, &self.folded[i]).map(|d| (d, self.sorted[i].as_str()))
            })
            .collect();
        scored.sort_unstable();
        scored.truncate(MAX_SUGGESTIONS);
        scored.into_iter().map(|(_, k)| k).collect()
    }

    /// Places in `sorted` of the keys to compare with `word`.
    fn candidates(&self, word: &str) -> Vec<usize> {
        if self.sorted.len() <= COMPARE_ALL_UP_TO {
            return (0..self.sorted.len()).collect();
        }
        let around =
            |at: usize, len: usize| at.saturating_sub(NEIGHBOURS)..(at + NEIGHBOURS).min(len);
        let at = self.sorted.partition_point(|k| k.as_str() < word);
        let mut out: Vec<usize> = around(at, self.sorted.len()).collect();
        let backwards: String = word.chars().rev().collect();
        let at = self.reversed.partition_point(|(k, _)| *k < backwards);
        out.extend(around(at, self.reversed.len()).map(|i| self.reversed[i].1));
        out.sort_unstable();
        out.dedup();
        out
    }
}

fn folded(s: &str) -> Vec<char> {
    s.chars()
        .take(MAX_CHARS)
        .flat_map(char::to_lowercase)
        .collect()
}

/// How far `key` is from `word`, when it is near enough to suggest: an edit
/// distance of at most a third of the word (at least 2), or one being the
/// start of the other (`high_value` for `high_value_customers`).
fn distance(word: &[char], key: &[char]) -> Option<usize> {
    let limit = (word.len() / 3).max(2);
    if let Some(d) = levenshtein_within(word, key, limit) {
        return Some(d);
    }
    let (short, long) = if word.len() <= key.len() {
        (word, key)
    } else {
        (key, word)
    };
    (short.len() >= 3 && long.starts_with(short)).then(|| long.len() - short.len())
}

/// The edit distance between `a` and `b` when it is at most `limit`; stops
/// as soon as it cannot be.
fn levenshtein_within(a: &[char], b: &[char], limit: usize) -> Option<usize> {
    if a.len().abs_diff(b.len()) > limit {
        return None;
    }
    let mut previous: Vec<usize> = (0..=b.len()).collect();
    let mut current = vec![0; b.len() + 1];
    for (i, ca) in a.iter().enumerate() {
        current[0] = i + 1;
        let mut row_min = current[0];
        for (j, cb) in b.iter().enumerate() {
            let substitute = previous[j] + usize::from(ca != cb);
            current[j + 1] = substitute.min(previous[j + 1] + 1).min(current[j] + 1);
            row_min = row_min.min(current[j + 1]);
        }
        if row_min > limit {
            return None;
        }
        std::mem::swap(&mut previous, &mut current);
    }
    let d = previous[b.len()];
    (d <= limit).then_some(d)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chars(s: &str) -> Vec<char> {
        s.chars().collect()
    }

    #[test]
    fn distances() {
        assert_eq!(
            levenshtein_within(&chars("kitten"), &chars("sitting"), 3),
            Some(3)
        );
        assert_eq!(
            levenshtein_within(&chars("kitten"), &chars("sitting"), 2),
            None
        );
        assert_eq!(levenshtein_within(&chars(""), &chars("ab"), 2), Some(2));
        assert_eq!(
            distance(&chars("high_value"), &chars("high_value_customers")),
            Some(10)
        );
        assert_eq!(distance(&chars("vip"), &chars("newsletter")), None);
    }

    #[test]
    fn the_nearest_three_of_a_few_keys() {
        let index = Index::new(["vip", "vips", "vip_eu", "newsletter", "vap"]);
        assert_eq!(index.nearest("vip"), ["vip", "vap", "vips"]);
        assert_eq!(index.nearest("Newsleter"), ["newsletter"]);
        assert!(index.nearest("zzzzzz").is_empty());
    }

    #[test]
    fn many_keys_are_searched_around_the_word_in_both_orders() {
        let keys: Vec<String> = (0..10_000).map(|i| format!("segment_{i:05}")).collect();
        let index = Index::new(keys.iter().map(String::as_str));
        // A typo at the end and one at the start are both found.
        assert_eq!(index.nearest("segment_04242")[0], "segment_04242");
        assert!(index.nearest("segment_0424x").contains(&"segment_04240"));
        assert!(index.nearest("xegment_04242").contains(&"segment_04242"));
        let started = std::time::Instant::now();
        for i in 0..10_000 {
            assert!(index.candidates(&format!("missing_{i}")).len() <= 4 * NEIGHBOURS);
        }
        assert!(started.elapsed().as_secs() < 5);
    }
}
