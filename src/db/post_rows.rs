//! How a post is read: the columns every post query selects ([`POST_SELECT`]), and the record
//! they make ([`PostRecord`]), turned into a [`Post`] in one place. A record comes either from a
//! row, or, for pages of hundreds of posts on SQLite, from one JSON array the database builds
//! ([`page_posts_query`]): sqlx hands each SQLite row over from the connection's thread and
//! copies it column by column into an `AnyRow`, which cost a page of 500 replies more than
//! SQLite's own work; one text value of JSON crosses once and is read straight into records.

use serde::Deserialize;
use sqlx::{any::AnyRow, Row};

use super::{actors::decode_error, Backend};
use crate::model::{Author, Post, PostKind, Visibility};

/// Every post query's columns and joins (`p` the post, `aud` its conversation's owner, `la`
/// and `ra` its local or remote author). Kept in step with [`POST_FIELDS`] (a test checks).
pub(super) const POST_SELECT: &str =
    "SELECT p.id, p.ap_id, p.kind, p.author_local_id, p.author_remote_id, \
     p.audience_id, aud.name AS audience_name, p.root_id, p.parent_id, p.title, p.summary, \
     p.content_warning, p.source, p.content_html, p.visibility, p.details, p.starts_at, \
     p.ends_at, p.remote_url, p.published_at, p.updated_at, p.deleted_at, p.held_reason, \
     p.removed_at, p.locked_at, \
     la.name AS local_name, la.display_name AS local_display_name, ra.ap_id AS remote_ap_id, \
     ra.display_name AS remote_display_name, ra.preferred_username AS remote_username, \
     ra.instance AS remote_instance, ra.avatar_url AS remote_avatar_url, \
     ra.profile_url AS remote_profile_url \
     FROM posts p JOIN local_actors aud ON aud.id = p.audience_id \
     LEFT JOIN local_actors la ON la.id = p.author_local_id \
     LEFT JOIN remote_actors ra ON ra.id = p.author_remote_id";

/// [`POST_SELECT`]'s columns: the name each is read by, and its expression.
const POST_FIELDS: [(&str, &str); 33] = [
    ("id", "p.id"),
    ("ap_id", "p.ap_id"),
    ("kind", "p.kind"),
    ("author_local_id", "p.author_local_id"),
    ("author_remote_id", "p.author_remote_id"),
    ("audience_id", "p.audience_id"),
    ("audience_name", "aud.name"),
    ("root_id", "p.root_id"),
    ("parent_id", "p.parent_id"),
    ("title", "p.title"),
    ("summary", "p.summary"),
    ("content_warning", "p.content_warning"),
    ("source", "p.source"),
    ("content_html", "p.content_html"),
    ("visibility", "p.visibility"),
    ("details", "p.details"),
    ("starts_at", "p.starts_at"),
    ("ends_at", "p.ends_at"),
    ("remote_url", "p.remote_url"),
    ("published_at", "p.published_at"),
    ("updated_at", "p.updated_at"),
    ("deleted_at", "p.deleted_at"),
    ("held_reason", "p.held_reason"),
    ("removed_at", "p.removed_at"),
    ("locked_at", "p.locked_at"),
    ("local_name", "la.name"),
    ("local_display_name", "la.display_name"),
    ("remote_ap_id", "ra.ap_id"),
    ("remote_display_name", "ra.display_name"),
    ("remote_username", "ra.preferred_username"),
    ("remote_instance", "ra.instance"),
    ("remote_avatar_url", "ra.avatar_url"),
    ("remote_profile_url", "ra.profile_url"),
];

/// [`POST_SELECT`]'s joins, after `FROM`.
const POST_JOINS: &str = "posts p JOIN local_actors aud ON aud.id = p.audience_id \
     LEFT JOIN local_actors la ON la.id = p.author_local_id \
     LEFT JOIN remote_actors ra ON ra.id = p.author_remote_id";

/// One post as read, column by column. The fields are in [`POST_FIELDS`]' order: a record is
/// also read from a JSON array of those values ([`post_objects`]).
#[derive(Debug, Deserialize)]
pub(super) struct PostRecord {
    id: i64,
    ap_id: Option<String>,
    kind: String,
    author_local_id: Option<i64>,
    author_remote_id: Option<i64>,
    audience_id: i64,
    audience_name: String,
    root_id: Option<i64>,
    parent_id: Option<i64>,
    title: Option<String>,
    summary: Option<String>,
    content_warning: Option<String>,
    source: Option<String>,
    content_html: String,
    visibility: String,
    details: String,
    starts_at: Option<i64>,
    ends_at: Option<i64>,
    remote_url: Option<String>,
    published_at: i64,
    updated_at: Option<i64>,
    deleted_at: Option<i64>,
    held_reason: Option<String>,
    removed_at: Option<i64>,
    locked_at: Option<i64>,
    local_name: Option<String>,
    local_display_name: Option<String>,
    remote_ap_id: Option<String>,
    remote_display_name: Option<String>,
    remote_username: Option<String>,
    remote_instance: Option<String>,
    remote_avatar_url: Option<String>,
    remote_profile_url: Option<String>,
}

/// A post from a row of [`POST_SELECT`].
pub(super) fn post_from_row(row: &AnyRow) -> Result<Post, sqlx::Error> {
    PostRecord {
        id: row.try_get("id")?,
        ap_id: row.try_get("ap_id")?,
        kind: row.try_get("kind")?,
        author_local_id: row.try_get("author_local_id")?,
        author_remote_id: row.try_get("author_remote_id")?,
        audience_id: row.try_get("audience_id")?,
        audience_name: row.try_get("audience_name")?,
        root_id: row.try_get("root_id")?,
        parent_id: row.try_get("parent_id")?,
        title: row.try_get("title")?,
        summary: row.try_get("summary")?,
        content_warning: row.try_get("content_warning")?,
        source: row.try_get("source")?,
        content_html: row.try_get("content_html")?,
        visibility: row.try_get("visibility")?,
        details: row.try_get("details")?,
        starts_at: row.try_get("starts_at")?,
        ends_at: row.try_get("ends_at")?,
        remote_url: row.try_get("remote_url")?,
        published_at: row.try_get("published_at")?,
        updated_at: row.try_get("updated_at")?,
        deleted_at: row.try_get("deleted_at")?,
        held_reason: row.try_get("held_reason")?,
        removed_at: row.try_get("removed_at")?,
        locked_at: row.try_get("locked_at")?,
        local_name: row.try_get("local_name")?,
        local_display_name: row.try_get("local_display_name")?,
        remote_ap_id: row.try_get("remote_ap_id")?,
        remote_display_name: row.try_get("remote_display_name")?,
        remote_username: row.try_get("remote_username")?,
        remote_instance: row.try_get("remote_instance")?,
        remote_avatar_url: row.try_get("remote_avatar_url")?,
        remote_profile_url: row.try_get("remote_profile_url")?,
    }
    .into_post()
}

impl PostRecord {
    fn into_post(self) -> Result<Post, sqlx::Error> {
        let author = match (self.author_local_id, self.author_remote_id) {
            (Some(id), _) => Author::Local {
                id,
                name: self.local_name.unwrap_or_default(),
                display_name: self.local_display_name.unwrap_or_default(),
            },
            (None, Some(id)) => Author::Remote {
                id,
                ap_id: self.remote_ap_id.unwrap_or_default(),
                display_name: self.remote_display_name,
                preferred_username: self.remote_username,
                instance: self.remote_instance.unwrap_or_default(),
                avatar_url: self.remote_avatar_url,
                profile_url: self.remote_profile_url,
            },
            (None, None) => return Err(decode_error("author", "none")),
        };
        Ok(Post {
            id: self.id,
            ap_id: self.ap_id,
            kind: PostKind::parse(&self.kind).ok_or_else(|| decode_error("kind", &self.kind))?,
            author,
            audience_id: self.audience_id,
            audience_name: self.audience_name,
            root_id: self.root_id,
            parent_id: self.parent_id,
            title: self.title,
            summary: self.summary,
            content_warning: self.content_warning,
            source: self.source,
            content_html: self.content_html,
            visibility: Visibility::parse(&self.visibility)
                .ok_or_else(|| decode_error("visibility", &self.visibility))?,
            details: serde_json::from_str(&self.details)
                .map_err(|_| decode_error("details", "json"))?,
            starts_at: self.starts_at,
            ends_at: self.ends_at,
            remote_url: self.remote_url,
            published_at: self.published_at,
            updated_at: self.updated_at,
            deleted_at: self.deleted_at,
            held_reason: self.held_reason,
            removed_at: self.removed_at,
            locked_at: self.locked_at,
        })
    }
}

/// Which posts a page reads: their ids, or their rows whole.
pub(super) enum PagePosts<'a> {
    /// A query of the ids (`SELECT id FROM …`).
    Ids(&'a str),
    /// A query of whole rows of `posts` (`SELECT * FROM posts p …`, with its own conditions
    /// and limit): joined to their authors straight from that query, without looking each row
    /// up again by its id.
    Rows(&'a str),
}

/// The query of a page of posts, read with [`page_posts`]. On SQLite it `SELECT`s one text
/// column `posts`, the JSON array of the posts, each an array of [`POST_FIELDS`]' values in
/// their order, which is [`PostRecord`]'s field order (serde reads a struct from an array by
/// position; a test keeps the two in step): sqlx hands each SQLite row over from the
/// connection's thread and copies it into an `AnyRow`, which cost a page of 500 replies more
/// than SQLite's own work. On PostgreSQL rows come over the socket as they are, and building
/// the JSON was half of the server's time for the page (≈ 2.5 ms of 4 at 500 replies, against
/// ≈ 1.2 ms of Rounds' CPU to read the rows): the page is plain rows of [`POST_SELECT`].
pub(super) fn page_posts_query(backend: Backend, posts: PagePosts) -> String {
    // On PostgreSQL each remote author is looked up by its key: joined plainly, PostgreSQL
    // hashed the whole `remote_actors` table for a page (10,000 rows at a million replies: 4 ms
    // more a page, growing with the database); a `LATERAL` subquery with a `LIMIT` is not
    // flattened, so it stays a lookup per post.
    let joins = match backend {
        Backend::Sqlite => POST_JOINS.strip_prefix("posts p ").unwrap_or(POST_JOINS),
        Backend::Postgres => {
            "JOIN local_actors aud ON aud.id = p.audience_id \
             LEFT JOIN local_actors la ON la.id = p.author_local_id \
             LEFT JOIN LATERAL (SELECT * FROM remote_actors r \
             WHERE r.id = p.author_remote_id LIMIT 1) ra ON true"
        }
    };
    let from = match posts {
        PagePosts::Ids(ids_sql) => format!("posts p {joins} WHERE p.id IN ({ids_sql})"),
        PagePosts::Rows(rows_sql) => format!("({rows_sql}) p {joins}"),
    };
    match backend {
        Backend::Sqlite => {
            let values = POST_FIELDS
                .iter()
                .map(|(_, expr)| *expr)
                .collect::<Vec<_>>()
                .join(", ");
            format!("SELECT json_group_array(json_array({values})) AS posts FROM {from}")
        }
        Backend::Postgres => {
            let columns = POST_SELECT
                .split_once(" FROM ")
                .map_or(POST_SELECT, |(columns, _)| columns);
            format!("{columns} FROM {from}")
        }
    }
}

/// The posts of [`page_posts_query`]'s result, oldest first.
pub(super) fn page_posts(backend: Backend, rows: &[AnyRow]) -> Result<Vec<Post>, sqlx::Error> {
    let mut posts = match backend {
        Backend::Sqlite => {
            let Some(json) = rows
                .first()
                .map(|row| row.try_get::<Option<String>, _>("posts"))
                .transpose()?
                .flatten()
            else {
                return Ok(Vec::new());
            };
            let records: Vec<PostRecord> =
                serde_json::from_str(&json).map_err(|_| decode_error("posts", "json"))?;
            records
                .into_iter()
                .map(PostRecord::into_post)
                .collect::<Result<Vec<_>, _>>()?
        }
        Backend::Postgres => rows.iter().map(post_from_row).collect::<Result<_, _>>()?,
    };
    posts.sort_by_key(|post| (post.published_at, post.id));
    Ok(posts)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_select_and_the_fields_name_the_same_columns() {
        let columns = POST_FIELDS
            .iter()
            .map(|(name, expr)| {
                if expr.rsplit('.').next() == Some(*name) && expr.starts_with("p.") {
                    expr.to_string()
                } else {
                    format!("{expr} AS {name}")
                }
            })
            .collect::<Vec<_>>()
            .join(", ");
        let normalized = |sql: &str| sql.split_whitespace().collect::<Vec<_>>().join(" ");
        assert_eq!(
            normalized(POST_SELECT),
            normalized(&format!("SELECT {columns} FROM {POST_JOINS}"))
        );
    }

    /// A record read from an array of [`POST_FIELDS`]' values is the record read from the
    /// object that names them: the struct's fields are in the same order.
    #[test]
    fn a_record_reads_the_same_from_an_array_as_from_named_fields() {
        let value = |position: usize, name: &str| -> serde_json::Value {
            let number = name == "id" || name.ends_with("_at") || name.ends_with("_id");
            if number && !name.contains("ap_id") {
                serde_json::json!(position as i64 + 1)
            } else if name == "details" {
                serde_json::json!("{}")
            } else {
                serde_json::json!(format!("{name} value"))
            }
        };
        let mut named = serde_json::Map::new();
        let mut ordered = Vec::new();
        for (position, (name, _)) in POST_FIELDS.iter().enumerate() {
            named.insert(name.to_string(), value(position, name));
            ordered.push(value(position, name));
        }
        let from_names: PostRecord =
            serde_json::from_value(serde_json::Value::Object(named)).unwrap();
        let from_array: PostRecord =
            serde_json::from_value(serde_json::Value::Array(ordered)).unwrap();
        assert_eq!(format!("{from_names:?}"), format!("{from_array:?}"));
        assert_eq!(from_array.published_at, 20);
        assert_eq!(
            from_array.remote_ap_id.as_deref(),
            Some("remote_ap_id value")
        );
    }
}
