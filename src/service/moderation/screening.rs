//! Screening: does a reply look like it carries personal identifiers (a phone number, an e-mail
//! or street address, a date of birth, a medical record number) or a word moderators listed?
//! Such replies are held for review with the reason, whatever the forum's policy. The patterns
//! lean towards holding: a moderator releases a false alarm in one click, while a leaked
//! identifier cannot be called back.

use std::sync::LazyLock;

use regex::RegexSet;

/// The patterns, in the order their reasons are given, as one set: a text is scanned once for
/// all of them. Word boundaries are ASCII ones (`(?-u:\b)`): a Unicode `\b` cannot run in
/// the regex crate's fast automaton once a text has a letter outside ASCII, and a reply in
/// French took 27 µs to screen instead of 1 (a letter like `é` beside a keyword now counts as
/// a boundary, which can only hold more).
struct Patterns {
    reasons: Vec<&'static str>,
    set: RegexSet,
}

static PATTERNS: LazyLock<Patterns> = LazyLock::new(|| {
    let table: [(&str, &str); 5] = [
        (
            "looks like an e-mail address",
            // Not a fediverse handle (@user@host): the address must not follow an @.
            r"(?i)(?:^|[^@\w.+-])[\w.+-]+@[a-z0-9-]+(?:\.[a-z0-9-]+)*\.[a-z]{2,}(?-u:\b)",
        ),
        (
            "looks like a medical record or ID number",
            r"(?i)(?-u:\b)(?:mrn|medical record|record (?:number|no\.?|#)|patient (?:id|number|no\.?)|nhs (?:number|no\.?)|ssn|social security|insurance (?:id|number|no\.?)|member id)(?-u:\b)[^\n]{0,15}\d{4,}",
        ),
        (
            "looks like a date of birth",
            r"(?i)(?-u:\b)(?:date of birth|d\.?o\.?b\.?|born on|birth ?date|birthday)(?-u:\b)[^\n]{0,20}\d",
        ),
        (
            "looks like a phone number",
            r"(?:^|[^\w])(?:\+\d{1,3}[\s.-]?)?(?:\(\d{2,4}\)[\s.-]?|\d{2,4}[\s.-])\d{3,4}[\s.-]?\d{3,4}(?-u:\b)",
        ),
        (
            "looks like a street address",
            r"(?i)(?-u:\b)\d{1,5}[a-z]?\s+(?:[a-z]+\.?\s+){1,3}(?:street|st|avenue|ave|road|rd|boulevard|blvd|lane|ln|drive|dr|court|ct|place|pl|terrace|way|close|crescent)(?-u:\b)\.?",
        ),
    ];
    // The patterns are constants, checked by the tests below: a set that does not build
    // would hold nothing, as an empty one.
    Patterns {
        reasons: table.iter().map(|(reason, _)| *reason).collect(),
        set: RegexSet::new(table.iter().map(|(_, pattern)| *pattern))
            .unwrap_or_else(|_| RegexSet::empty()),
    }
});

/// Why a text should be held, if it should: the first pattern it matches, or the first listed
/// word it contains (whole words, without case).
pub fn screen(text: &str, words: &[String]) -> Option<String> {
    let patterns = &*PATTERNS;
    if let Some(first) = patterns.set.matches(text).iter().next() {
        return patterns.reasons.get(first).map(|reason| reason.to_string());
    }
    if words.is_empty() {
        return None;
    }
    let lower = text.to_lowercase();
    words
        .iter()
        .find(|word| contains_word(&lower, word))
        .map(|word| format!("contains a screened word: {word}"))
}

fn contains_word(text: &str, word: &str) -> bool {
    let word = word.trim().to_lowercase();
    if word.is_empty() {
        return false;
    }
    text.match_indices(&word).any(|(at, found)| {
        let before = text[..at].chars().next_back();
        let after = text[at + found.len()..].chars().next();
        !before.is_some_and(char::is_alphanumeric) && !after.is_some_and(char::is_alphanumeric)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn personal_identifiers_are_caught() {
        let held = [
            ("Call me on 555-123-4567 any time", "phone"),
            ("my number is +44 7700 900123", "phone"),
            ("(617) 555 0199 is the clinic", "phone"),
            ("write to jane.doe+health@example.org please", "e-mail"),
            ("I live at 221B Baker Street, come by", "street address"),
            ("1600 Pennsylvania Ave is not mine", "street address"),
            ("DOB: 03/04/1987", "date of birth"),
            ("I was born on 3 April 1987", "date of birth"),
            ("my MRN is 00123456", "record"),
            ("NHS number 943 476 5919", "record"),
        ];
        for (text, kind) in held {
            let reason = screen(text, &[]).unwrap_or_else(|| panic!("not held: {text}"));
            assert!(reason.contains(kind), "{text}: {reason}");
        }
    }

    #[test]
    fn every_pattern_builds() {
        assert_eq!(PATTERNS.set.len(), PATTERNS.reasons.len());
        assert_eq!(PATTERNS.set.len(), 5);
    }

    #[test]
    fn identifiers_among_letters_outside_ascii_are_caught() {
        let held = [
            ("Téléphone : 555-123-4567, appelez-moi", "phone"),
            (
                "Écrivez à jeanne.dupont@exemple.fr s’il vous plaît",
                "e-mail",
            ),
            (
                "née en mai — my date of birth is 03/04/1987",
                "date of birth",
            ),
            ("Mein Patient ID lautet 00123456, grüße", "record"),
            ("Ich wohne 12 Oak Street, München", "street address"),
        ];
        for (text, kind) in held {
            let reason = screen(text, &[]).unwrap_or_else(|| panic!("not held: {text}"));
            assert!(reason.contains(kind), "{text}: {reason}");
        }
        for text in [
            "Merci pour ce partage — le repos m’aide aussi, surtout après l’hôpital.",
            "J’ai marché 20 minutes le 2026-11-25 et je me suis reposée 2 heures.",
            "Danke, @ada@spm.example! Das Tagebuch hilft mir sehr.",
        ] {
            assert_eq!(screen(text, &[]), None, "{text}");
        }
    }

    #[test]
    fn the_first_pattern_in_order_gives_the_reason() {
        // A phone number and an e-mail address: the e-mail address is listed first.
        let reason = screen("mail jo@example.org or call 555-123-4567", &[]);
        assert_eq!(reason.as_deref(), Some("looks like an e-mail address"));
    }

    #[test]
    fn ordinary_replies_and_handles_pass() {
        for text in [
            "Thanks @ada@spm.example, pacing helped me too.",
            "I walked 20 minutes on 2026-11-25 and rested 2 hours.",
            "Read https://jopm.example/article/40 about shared notes.",
            "My 3 kids and 2 dogs keep me busy.",
            "We met in 2019 and again in 2024.",
        ] {
            assert_eq!(screen(text, &[]), None, "{text}");
        }
    }

    #[test]
    fn listed_words_match_whole_words_only() {
        let words = vec!["miracle cure".to_string(), "ivermectin".to_string()];
        assert!(screen("Try this Miracle Cure now", &words)
            .unwrap()
            .contains("miracle cure"));
        assert!(screen("no miracle cures here", &words).is_none());
        assert!(screen("<p>IVERMECTIN!</p>", &words).is_some());
    }
}
