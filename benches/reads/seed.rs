//! Seeding: a forum with many threads and replies, written fast with bulk SQL straight into the
//! real schema (after Rounds' migrations ran and its built-in actors exist): multi-row INSERTs of
//! [`ROWS_PER_INSERT`] rows with explicit ids, [`ROWS_PER_TRANSACTION`] rows a transaction.
//!
//! What it writes, for `replies` replies:
//! - remote actors (one per 100 replies, 50 to 10,000), ten on each remote instance, with
//!   avatars and profile pages; a few carry a participant label;
//! - threads in `community` by the local member `ada`, 100 replies each, and one more thread,
//!   [`Seeded::thread`], with exactly [`THREAD_REPLIES`] replies;
//! - replies in the order they would have arrived, one second apart, spread round-robin over
//!   the threads (so a thread's replies are scattered over the table, as in a real database).
//!   One in ten is by `ada` (a local reply); the rest are remote, Mastodon-shaped, ≈ 300 bytes
//!   of HTML. In the other threads one reply in three is top-level and the others answer the
//!   reply before them.
//!
//! The measured thread is laid out so that its first page shows all of it as designed: 50
//! top-level replies (`TOP_LEVEL_PER_PAGE`), each with nine answers under it (three direct
//! answers, and a chain of six under the first of them, deeper than the page nests), 500 posts
//! on one page. Its top-level replies have three likes each.

use std::time::Instant;

use sqlx::{AnyConnection, Executor, Row};

use crate::common::words::{reply_words, REPLY_WORDS};

/// Rows in one INSERT statement.
const ROWS_PER_INSERT: usize = 400;

/// Rows written in one transaction.
const ROWS_PER_TRANSACTION: usize = 50_000;

/// Replies in the measured thread.
pub const THREAD_REPLIES: usize = 500;

/// Replies in each of the other threads.
const REPLIES_PER_THREAD: usize = 100;

/// Remote actors per remote instance.
const ACTORS_PER_INSTANCE: usize = 10;

/// What was seeded, for the measurements and their checks.
pub struct Seeded {
    /// The thread with [`THREAD_REPLIES`] replies.
    pub thread: i64,
    /// A local reply in that thread (served as JSON), and the id of what it answers (a remote
    /// reply's own id).
    pub local_reply: i64,
    pub local_reply_parent: String,
    /// The newest thread (first on the forum's page).
    pub newest_thread_title: String,
    pub threads: usize,
    pub replies: usize,
    pub remote_actors: usize,
    pub elapsed: std::time::Duration,
}

/// About 300 bytes of HTML as Rounds stores a Mastodon reply once sanitized, varied by `seed`.
fn reply_html(seed: usize) -> String {
    let words = reply_words(seed, 34, &REPLY_WORDS);
    format!(
        "<p>{}.</p><p>{} <a href=\"https://example.org/reading\" rel=\"nofollow noopener \
         noreferrer\">example.org/reading</a></p>",
        words[..20].join(" "),
        words[20..].join(" "),
    )
}

/// An SQL string literal.
fn text(value: &str) -> String {
    format!("'{}'", value.replace('\'', "''"))
}

/// Collects rows into multi-row INSERTs and runs them, committing every
/// [`ROWS_PER_TRANSACTION`] rows.
struct Writer<'c> {
    conn: &'c mut AnyConnection,
    head: String,
    values: Vec<String>,
    in_transaction: usize,
}

impl<'c> Writer<'c> {
    async fn new(conn: &'c mut AnyConnection, head: &str) -> Writer<'c> {
        conn.execute("BEGIN").await.expect("BEGIN");
        Writer {
            conn,
            head: head.to_string(),
            values: Vec::with_capacity(ROWS_PER_INSERT),
            in_transaction: 0,
        }
    }

    async fn row(&mut self, values: String) {
        self.values.push(values);
        if self.values.len() >= ROWS_PER_INSERT {
            self.flush().await;
        }
    }

    async fn flush(&mut self) {
        if self.values.is_empty() {
            return;
        }
        let sql = format!("{} VALUES ({})", self.head, self.values.join("), ("));
        self.conn
            .execute(sql.as_str())
            .await
            .unwrap_or_else(|err| panic!("seeding: {err}"));
        self.in_transaction += self.values.len();
        self.values.clear();
        if self.in_transaction >= ROWS_PER_TRANSACTION {
            self.conn.execute("COMMIT").await.expect("COMMIT");
            self.conn.execute("BEGIN").await.expect("BEGIN");
            self.in_transaction = 0;
        }
    }

    async fn finish(mut self) {
        self.flush().await;
        self.conn.execute("COMMIT").await.expect("COMMIT");
    }
}

async fn scalar(conn: &mut AnyConnection, sql: &str) -> i64 {
    sqlx::query(sql)
        .fetch_one(&mut *conn)
        .await
        .unwrap_or_else(|err| panic!("{sql}: {err}"))
        .try_get(0)
        .expect("an integer")
}

/// Where a reply of the measured thread goes: index `m` (0..500) in arrival order, in groups of
/// ten: 0 top-level, 1 answers it, 2..=7 a chain under 1, 8 and 9 answer the top-level one.
/// Returns the index it answers (`None`: the thread itself).
fn thread_parent(m: usize) -> Option<usize> {
    let group = m / 10 * 10;
    match m % 10 {
        0 => None,
        1 | 8 | 9 => Some(group),
        k => Some(group + k - 1),
    }
}

/// Seeds `replies` replies (at least [`THREAD_REPLIES`]) into the database of `pool`, in the
/// forum `community`, with threads by `ada` (a member that exists).
pub async fn seed(pool: &sqlx::AnyPool, postgres: bool, replies: usize) -> Seeded {
    assert!(
        replies >= THREAD_REPLIES,
        "--replies must be at least {THREAD_REPLIES}"
    );
    let started = Instant::now();
    let mut conn = pool.acquire().await.expect("a connection");
    let conn: &mut AnyConnection = &mut conn;
    let community = scalar(conn, "SELECT id FROM local_actors WHERE name = 'community'").await;
    let ada = scalar(conn, "SELECT id FROM local_actors WHERE name = 'ada'").await;
    let first_post = scalar(conn, "SELECT COALESCE(MAX(id), 0) FROM posts").await + 1;
    let first_actor = scalar(conn, "SELECT COALESCE(MAX(id), 0) FROM remote_actors").await + 1;
    let now = chrono::Utc::now().timestamp_millis();

    // Remote actors.
    let actors = (replies / 100).clamp(50, 10_000);
    let key =
        "-----BEGIN PUBLIC KEY-----\nMIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA(not a real \
               key: reads never verify)\n-----END PUBLIC KEY-----";
    let actor_id = |n: usize| format!("https://i{}.example/users/u{n}", n / ACTORS_PER_INSTANCE);
    let mut writer = Writer::new(
        conn,
        "INSERT INTO remote_actors (id, ap_id, instance, kind, preferred_username, \
         display_name, inbox, shared_inbox, public_key_id, public_key_pem, fetched_at, \
         avatar_url, profile_url)",
    )
    .await;
    for n in 0..actors {
        let instance = format!("i{}.example", n / ACTORS_PER_INSTANCE);
        let ap_id = actor_id(n);
        writer
            .row(format!(
                "{id}, {ap}, {instance}, 'Person', {user}, {name}, {inbox}, {shared}, {key_id}, \
                 {key}, {now}, {avatar}, {profile}",
                id = first_actor + n as i64,
                ap = text(&ap_id),
                instance = text(&instance),
                user = text(&format!("u{n}")),
                name = text(&format!("Participant {n}")),
                inbox = text(&format!("{ap_id}/inbox")),
                shared = text(&format!("https://{instance}/inbox")),
                key_id = text(&format!("{ap_id}#main-key")),
                key = text(key),
                avatar = text(&format!("https://{instance}/avatars/u{n}.png")),
                profile = text(&format!("https://{instance}/@u{n}")),
            ))
            .await;
    }
    writer.finish().await;
    let mut writer = Writer::new(
        conn,
        "INSERT INTO participant_labels (actor_ap_id, label, set_by, created_at)",
    )
    .await;
    for n in (0..actors).step_by(actors / 10) {
        let label = ["patient", "clinician", "caregiver", "researcher"][n % 4];
        writer
            .row(format!("{}, '{label}', NULL, {now}", text(&actor_id(n))))
            .await;
    }
    writer.finish().await;

    // Threads, oldest first, the measured one in the middle (not on the forum's first page).
    let others = (replies - THREAD_REPLIES)
        .div_ceil(REPLIES_PER_THREAD)
        .max(1);
    let threads = others + 1;
    let measured = others / 2; // the measured thread's index among the threads
    let thread_id = |t: usize| first_post + t as i64;
    let start = now - (threads + replies) as i64 * 1_000 - 86_400_000;
    let mut writer = Writer::new(
        conn,
        "INSERT INTO posts (id, ap_id, kind, author_local_id, author_remote_id, audience_id, \
         root_id, parent_id, title, summary, content_warning, source, content_html, \
         visibility, details, starts_at, ends_at, remote_url, published_at, activity_ap_id)",
    )
    .await;
    for t in 0..threads {
        let title = if t == measured {
            "The thread with five hundred replies".to_string()
        } else {
            format!("Thread {t}: how do you keep your records?")
        };
        writer
            .row(format!(
                "{id}, NULL, 'thread', {ada}, NULL, {community}, NULL, NULL, {title}, NULL, \
                 NULL, {source}, {html}, 'public', '{{}}', NULL, NULL, NULL, {at}, NULL",
                id = thread_id(t),
                title = text(&title),
                source = text("Tell us how you keep your records."),
                html = text("<p>Tell us how you keep your records.</p>"),
                at = start + t as i64 * 1_000,
            ))
            .await;
    }

    // Replies, in arrival order.
    let first_reply = first_post + threads as i64;
    let stride = replies / THREAD_REPLIES; // every stride-th reply goes to the measured thread
    let mut in_measured = 0usize;
    let mut measured_ids = Vec::with_capacity(THREAD_REPLIES);
    let mut measured_ap_ids: Vec<Option<String>> = Vec::with_capacity(THREAD_REPLIES);
    let mut last_in: Vec<Option<i64>> = vec![None; threads];
    let mut count_in: Vec<usize> = vec![0; threads];
    let mut next_other = 0usize;
    let (mut local_reply, mut local_reply_parent) = (0, String::new());
    for k in 0..replies {
        let id = first_reply + k as i64;
        let at = start + (threads + k) as i64 * 1_000;
        let (root, parent, local) = if k % stride == 0 && in_measured < THREAD_REPLIES {
            let m = in_measured;
            in_measured += 1;
            measured_ids.push(id);
            let parent = thread_parent(m).map_or(thread_id(measured), |p| measured_ids[p]);
            // One in ten is local: the second of each chain (it answers a remote reply).
            let local = m % 10 == 3;
            if local && local_reply == 0 {
                local_reply = id;
                local_reply_parent = thread_parent(m)
                    .and_then(|p| measured_ap_ids[p].clone())
                    .expect("the local reply answers a remote one");
            }
            (thread_id(measured), parent, local)
        } else {
            let mut t = next_other % others;
            next_other += 1;
            if t >= measured {
                t += 1; // skip the measured thread
            }
            let parent = match last_in[t] {
                Some(previous) if !count_in[t].is_multiple_of(3) => previous,
                _ => thread_id(t),
            };
            last_in[t] = Some(id);
            count_in[t] += 1;
            (thread_id(t), parent, k % 10 == 5)
        };
        let html = reply_html(k);
        let actor = (k.wrapping_mul(7_919) + k / 13) % actors;
        let ap_id = format!("{}/statuses/{k}", actor_id(actor));
        if root == thread_id(measured) {
            measured_ap_ids.push((!local).then(|| ap_id.clone()));
        }
        let row = if local {
            format!(
                "{id}, NULL, 'reply', {ada}, NULL, {community}, {root}, {parent}, NULL, NULL, \
                 NULL, {source}, {html}, 'public', '{{}}', NULL, NULL, NULL, {at}, NULL",
                source = text("A reply written here."),
                html = text(&html),
            )
        } else {
            format!(
                "{id}, {ap}, 'reply', NULL, {author}, {community}, {root}, {parent}, NULL, \
                 NULL, NULL, NULL, {html}, 'public', '{{}}', NULL, NULL, {url}, {at}, {activity}",
                ap = text(&ap_id),
                author = first_actor + actor as i64,
                html = text(&html),
                url = text(&format!(
                    "https://i{}.example/@u{actor}/{k}",
                    actor / ACTORS_PER_INSTANCE
                )),
                activity = text(&format!("{ap_id}/activity")),
            )
        };
        writer.row(row).await;
    }
    writer.finish().await;
    assert_eq!(in_measured, THREAD_REPLIES, "the measured thread is short");

    // Three likes on each top-level reply of the measured thread.
    let mut writer = Writer::new(
        conn,
        "INSERT INTO reactions (post_id, remote_actor_id, kind, activity_id, created_at)",
    )
    .await;
    for (m, post) in measured_ids.iter().enumerate().filter(|(m, _)| m % 10 == 0) {
        for liker in 0..3 {
            let actor = (m + liker * 17) % actors;
            writer
                .row(format!(
                    "{post}, {}, 'like', {}, {now}",
                    first_actor + actor as i64,
                    text(&format!("{}/likes/{post}", actor_id(actor))),
                ))
                .await;
        }
    }
    writer.finish().await;

    if postgres {
        // Explicit ids do not move identity sequences; autovacuum would analyze a table this
        // size within a minute, so the planner is given the statistics now.
        for sql in [
            "SELECT setval(pg_get_serial_sequence('posts', 'id'), (SELECT MAX(id) FROM posts))",
            "SELECT setval(pg_get_serial_sequence('remote_actors', 'id'), \
             (SELECT MAX(id) FROM remote_actors))",
            "VACUUM ANALYZE",
        ] {
            conn.execute(sql)
                .await
                .unwrap_or_else(|err| panic!("{sql}: {err}"));
        }
    }
    Seeded {
        thread: thread_id(measured),
        local_reply,
        local_reply_parent,
        newest_thread_title: format!("Thread {}: how do you keep your records?", threads - 1),
        threads,
        replies,
        remote_actors: actors,
        elapsed: started.elapsed(),
    }
}
