//! The words of the replies the benchmarks write, and how a reply's words are picked: the same
//! words for the same seed, in every run. There are no digits among them, as screening holds
//! replies that look like phone numbers or addresses.

/// Every benchmark's vocabulary, or the first part of it (the ingest benchmark's replies use
/// the first 16 words).
pub const REPLY_WORDS: [&str; 24] = [
    "thank",
    "you",
    "for",
    "sharing",
    "this",
    "patients",
    "caregivers",
    "clinicians",
    "often",
    "notice",
    "what",
    "records",
    "miss",
    "and",
    "together",
    "learn",
    "my",
    "mother",
    "kept",
    "a",
    "diary",
    "of",
    "symptoms",
    "visits",
];

/// `count` words of `vocabulary`, varied by `seed`.
pub fn reply_words<'a>(seed: usize, count: usize, vocabulary: &[&'a str]) -> Vec<&'a str> {
    let mut words = Vec::with_capacity(count);
    let mut x = seed.wrapping_mul(2_654_435_761).wrapping_add(1);
    for _ in 0..count {
        words.push(vocabulary[x % vocabulary.len()]);
        x = x.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1) >> 7;
    }
    words
}
