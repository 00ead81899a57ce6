//! What a post must be: the fields of each kind, checked field by field so that every wrong
//! field is named at once (422). The API, the command line and edits all go through
//! [`check_draft`]; an edit checks the post as it would be after the change.

use chrono::DateTime;
use chrono_tz::Tz;
use url::Url;

use crate::{
    error::FieldError,
    model::{Post, PostKind},
};

pub const MAX_TITLE: usize = 200;
pub const MAX_SUMMARY: usize = 1_000;
pub const MAX_BODY: usize = 50_000;
pub const MAX_CONTENT_WARNING: usize = 200;
pub const MAX_TAGS: usize = 10;
pub const MAX_TAG: usize = 50;
pub const MAX_CAPACITY: i64 = 1_000_000;

/// A post as written (or as it would be after an edit): every field any kind has, all
/// optional; which ones are needed depends on the kind.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Draft {
    pub title: Option<String>,
    pub summary: Option<String>,
    pub body: Option<String>,
    pub content_warning: Option<String>,
    pub tags: Option<Vec<String>>,
    pub link: Option<String>,
    pub doi: Option<String>,
    pub starts_at: Option<String>,
    pub ends_at: Option<String>,
    pub timezone: Option<String>,
    pub join_url: Option<String>,
    pub capacity: Option<i64>,
    /// What was already found wrong in the input (a field of the wrong type, say), reported
    /// together with what the rules find.
    pub input_problems: Vec<FieldError>,
}

/// A draft that passed [`check_draft`]: trimmed, parsed, ready to render and store.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Checked {
    pub title: Option<String>,
    pub summary: Option<String>,
    pub body: String,
    pub content_warning: Option<String>,
    pub tags: Vec<String>,
    pub link: Option<String>,
    pub doi: Option<String>,
    pub starts_at: Option<i64>,
    pub ends_at: Option<i64>,
    pub timezone: Option<String>,
    pub join_url: Option<String>,
    pub capacity: Option<i64>,
}

impl Draft {
    /// The draft of a stored local post, as its author last wrote it.
    pub fn from_post(post: &Post) -> Draft {
        let zone = post
            .details
            .timezone
            .clone()
            .unwrap_or_else(|| "UTC".into());
        let time = |millis: Option<i64>| {
            millis.map(|millis| crate::render::time::local_rfc3339(millis, &zone))
        };
        Draft {
            title: post.title.clone(),
            summary: post.summary.clone(),
            body: post.source.clone(),
            content_warning: post.content_warning.clone(),
            tags: Some(post.details.hashtags.clone()),
            link: post.details.link.clone(),
            doi: post.details.doi.clone(),
            starts_at: time(post.starts_at),
            ends_at: time(post.ends_at),
            timezone: post.details.timezone.clone(),
            join_url: post.details.join_url.clone(),
            capacity: post.details.capacity,
            input_problems: Vec::new(),
        }
    }

    /// This draft with the fields `changes` gives replaced.
    pub fn with_changes(mut self, changes: Draft) -> Draft {
        fn take<T>(field: &mut Option<T>, change: Option<T>) {
            if change.is_some() {
                *field = change;
            }
        }
        take(&mut self.title, changes.title);
        take(&mut self.summary, changes.summary);
        take(&mut self.body, changes.body);
        take(&mut self.content_warning, changes.content_warning);
        take(&mut self.tags, changes.tags);
        take(&mut self.link, changes.link);
        take(&mut self.doi, changes.doi);
        take(&mut self.starts_at, changes.starts_at);
        take(&mut self.ends_at, changes.ends_at);
        take(&mut self.timezone, changes.timezone);
        take(&mut self.join_url, changes.join_url);
        take(&mut self.capacity, changes.capacity);
        self.input_problems.extend(changes.input_problems);
        self
    }
}

/// Trimmed text, `None` when empty.
fn present(text: &Option<String>) -> Option<String> {
    text.as_deref()
        .map(str::trim)
        .filter(|text| !text.is_empty())
        .map(str::to_string)
}

fn required(
    field: &'static str,
    value: &Option<String>,
    max: usize,
    problems: &mut Vec<FieldError>,
) -> Option<String> {
    let value = present(value);
    match &value {
        None => problems.push(FieldError::new(field, "is required")),
        Some(text) if text.chars().count() > max => {
            problems.push(FieldError::new(field, format!("at most {max} characters")))
        }
        Some(_) => {}
    }
    value
}

fn optional(
    field: &'static str,
    value: &Option<String>,
    max: usize,
    problems: &mut Vec<FieldError>,
) -> Option<String> {
    let value = present(value);
    if value
        .as_ref()
        .is_some_and(|text| text.chars().count() > max)
    {
        problems.push(FieldError::new(field, format!("at most {max} characters")));
    }
    value
}

/// An absolute http(s) URL without credentials.
fn web_url(
    field: &'static str,
    value: Option<String>,
    problems: &mut Vec<FieldError>,
) -> Option<String> {
    let text = value?;
    match Url::parse(&text) {
        Ok(url)
            if matches!(url.scheme(), "http" | "https")
                && url.host_str().is_some()
                && url.username().is_empty()
                && url.password().is_none()
                && text.len() <= 2_000 =>
        {
            Some(url.to_string())
        }
        _ => {
            problems.push(FieldError::new(field, "must be an http or https address"));
            None
        }
    }
}

fn time(field: &'static str, value: Option<String>, problems: &mut Vec<FieldError>) -> Option<i64> {
    let text = value?;
    match DateTime::parse_from_rfc3339(&text) {
        Ok(time) => Some(time.timestamp_millis()),
        Err(_) => {
            problems.push(FieldError::new(
                field,
                "must be an RFC 3339 time, such as 2026-12-01T18:00:00-05:00",
            ));
            None
        }
    }
}

fn tags(value: &Option<Vec<String>>, problems: &mut Vec<FieldError>) -> Vec<String> {
    let mut found: Vec<String> = Vec::new();
    for tag in value.iter().flatten() {
        let tag = tag.trim().trim_start_matches('#');
        let valid = !tag.is_empty()
            && tag.chars().count() <= MAX_TAG
            && tag.chars().all(|c| c.is_alphanumeric() || c == '_');
        if !valid {
            problems.push(FieldError::new(
                "tags",
                format!("each tag is letters, digits or _, at most {MAX_TAG} characters"),
            ));
            return Vec::new();
        }
        if !found.iter().any(|known| known.eq_ignore_ascii_case(tag)) {
            found.push(tag.to_string());
        }
    }
    if found.len() > MAX_TAGS {
        problems.push(FieldError::new("tags", format!("at most {MAX_TAGS} tags")));
    }
    found
}

/// Checks `draft` as a post of `kind`; every problem, field by field, or the checked values.
pub fn check_draft(kind: PostKind, draft: &Draft) -> Result<Checked, Vec<FieldError>> {
    let mut problems = draft.input_problems.clone();
    let mut checked = Checked {
        content_warning: optional(
            "content_warning",
            &draft.content_warning,
            MAX_CONTENT_WARNING,
            &mut problems,
        ),
        tags: tags(&draft.tags, &mut problems),
        ..Checked::default()
    };
    match kind {
        PostKind::Thread => {
            checked.title = required("title", &draft.title, MAX_TITLE, &mut problems);
            checked.body =
                required("body", &draft.body, MAX_BODY, &mut problems).unwrap_or_default();
        }
        PostKind::Reply => {
            checked.body =
                required("body", &draft.body, MAX_BODY, &mut problems).unwrap_or_default();
        }
        PostKind::Article => {
            checked.title = required("title", &draft.title, MAX_TITLE, &mut problems);
            checked.summary = required("summary", &draft.summary, MAX_SUMMARY, &mut problems);
            checked.body =
                required("body", &draft.body, MAX_BODY, &mut problems).unwrap_or_default();
            let link = required("link", &draft.link, 2_000, &mut problems);
            checked.link = web_url("link", link, &mut problems);
            checked.doi = optional("doi", &draft.doi, 200, &mut problems);
            if let Some(doi) = &checked.doi {
                let doi = doi.trim_start_matches("https://doi.org/").to_string();
                let valid = doi.starts_with("10.")
                    && doi.split_once('/').is_some_and(|(prefix, suffix)| {
                        prefix.len() > 3
                            && prefix[3..].chars().all(|c| c.is_ascii_digit() || c == '.')
                            && !suffix.is_empty()
                            && !suffix.chars().any(char::is_whitespace)
                    });
                if valid {
                    checked.doi = Some(doi);
                } else {
                    problems.push(FieldError::new(
                        "doi",
                        "must be a DOI such as 10.2196/12345",
                    ));
                }
            }
        }
        PostKind::Event => {
            checked.title = required("title", &draft.title, MAX_TITLE, &mut problems);
            checked.summary = required("summary", &draft.summary, MAX_SUMMARY, &mut problems);
            checked.body =
                optional("body", &draft.body, MAX_BODY, &mut problems).unwrap_or_default();
            let starts = required("starts_at", &draft.starts_at, 100, &mut problems);
            let ends = required("ends_at", &draft.ends_at, 100, &mut problems);
            checked.starts_at = time("starts_at", starts, &mut problems);
            checked.ends_at = time("ends_at", ends, &mut problems);
            if let (Some(starts), Some(ends)) = (checked.starts_at, checked.ends_at) {
                if ends <= starts {
                    problems.push(FieldError::new("ends_at", "must be after starts_at"));
                }
            }
            let zone = required("timezone", &draft.timezone, 100, &mut problems);
            if let Some(zone) = zone {
                if zone.parse::<Tz>().is_ok() {
                    checked.timezone = Some(zone);
                } else {
                    problems.push(FieldError::new(
                        "timezone",
                        "must be an IANA time zone, such as America/New_York",
                    ));
                }
            }
            let join = required("join_url", &draft.join_url, 2_000, &mut problems);
            checked.join_url = web_url("join_url", join, &mut problems);
            checked.capacity = draft.capacity;
            if draft
                .capacity
                .is_some_and(|c| !(1..=MAX_CAPACITY).contains(&c))
            {
                problems.push(FieldError::new(
                    "capacity",
                    format!("must be from 1 to {MAX_CAPACITY}"),
                ));
            }
        }
    }
    // One message per field: the first found.
    let mut seen = Vec::new();
    problems.retain(|problem| {
        let first = !seen.contains(&problem.field);
        seen.push(problem.field);
        first
    });
    if problems.is_empty() {
        Ok(checked)
    } else {
        Err(problems)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(result: Result<Checked, Vec<FieldError>>) -> Vec<&'static str> {
        result
            .err()
            .unwrap_or_default()
            .iter()
            .map(|p| p.field)
            .collect()
    }

    #[test]
    fn a_thread_needs_a_title_and_a_body() {
        assert_eq!(
            fields(check_draft(PostKind::Thread, &Draft::default())),
            ["title", "body"]
        );
        let draft = Draft {
            title: Some("  Pacing after long COVID ".into()),
            body: Some("What helped you?".into()),
            tags: Some(vec![
                "#LongCovid".into(),
                "longcovid".into(),
                "Pacing".into(),
            ]),
            ..Draft::default()
        };
        let checked = check_draft(PostKind::Thread, &draft).unwrap();
        assert_eq!(checked.title.as_deref(), Some("Pacing after long COVID"));
        assert_eq!(checked.tags, ["LongCovid", "Pacing"]);
        let bad_tag = Draft {
            tags: Some(vec!["two words".into()]),
            ..draft
        };
        assert_eq!(fields(check_draft(PostKind::Thread, &bad_tag)), ["tags"]);
    }

    #[test]
    fn a_webinar_is_checked_field_by_field() {
        let draft = Draft {
            title: Some("Shared decisions".into()),
            summary: Some("How to prepare".into()),
            starts_at: Some("2026-12-01T18:00:00-05:00".into()),
            ends_at: Some("2026-12-01T17:00:00-05:00".into()),
            timezone: Some("America/Nowhere".into()),
            join_url: Some("javascript:alert(1)".into()),
            capacity: Some(0),
            ..Draft::default()
        };
        assert_eq!(
            fields(check_draft(PostKind::Event, &draft)),
            ["ends_at", "timezone", "join_url", "capacity"]
        );
        let good = Draft {
            ends_at: Some("2026-12-01T19:30:00-05:00".into()),
            timezone: Some("America/New_York".into()),
            join_url: Some("https://meet.example/spm".into()),
            capacity: Some(100),
            ..draft
        };
        let checked = check_draft(PostKind::Event, &good).unwrap();
        assert_eq!(checked.starts_at, Some(1_796_166_000_000));
        assert_eq!(
            checked.ends_at.unwrap() - checked.starts_at.unwrap(),
            90 * 60_000
        );
        let unreadable = Draft {
            starts_at: Some("tomorrow".into()),
            ..good
        };
        assert_eq!(
            fields(check_draft(PostKind::Event, &unreadable)),
            ["starts_at"]
        );
    }

    #[test]
    fn an_announcement_needs_a_link_and_a_real_doi() {
        let draft = Draft {
            title: Some("New paper".into()),
            summary: Some("What we found".into()),
            body: Some("Read it".into()),
            link: Some("https://jopm.example/article/1".into()),
            doi: Some("https://doi.org/10.2196/12345".into()),
            ..Draft::default()
        };
        assert_eq!(
            check_draft(PostKind::Article, &draft)
                .unwrap()
                .doi
                .as_deref(),
            Some("10.2196/12345")
        );
        let bad = Draft {
            doi: Some("12345".into()),
            link: Some("ftp://x".into()),
            ..draft
        };
        assert_eq!(
            fields(check_draft(PostKind::Article, &bad)),
            ["link", "doi"]
        );
    }
}
