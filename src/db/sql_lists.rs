//! Lists in SQL, written once for both databases: the `VALUES` rows of a multi-row statement,
//! numbered placeholders and the values bound to them, and a list of any length bound as one
//! JSON parameter.

use serde::Serialize;
use sqlx::{any::AnyArguments, query::Query, Any, AnyConnection, Encode, Type};

use super::Backend;

/// `query` with each of `values` bound in turn, after what it has bound already: the values of
/// a list's placeholders.
pub(crate) fn bind_each<'q, T>(
    query: Query<'q, Any, AnyArguments<'q>>,
    values: impl IntoIterator<Item = T>,
) -> Query<'q, Any, AnyArguments<'q>>
where
    T: 'q + Encode<'q, Any> + Type<Any>,
{
    values
        .into_iter()
        .fold(query, |query, value| query.bind(value))
}

/// The `VALUES` of a multi-row statement: `rows` rows of `width` values, bound in order. On
/// SQLite the placeholders are anonymous (`?`): SQLite looks a numbered one up by a linear scan
/// of the statement's parameters, when it prepares the statement and again when sqlx binds it,
/// which made a statement of a few thousand values cost more than writing its rows.
pub(crate) fn value_rows(conn: &AnyConnection, rows: usize, width: usize) -> String {
    let anonymous = Backend::of(conn) == Backend::Sqlite;
    let mut sql = String::with_capacity(rows * (width * 5 + 4));
    for row in 0..rows {
        if row > 0 {
            sql.push_str(", ");
        }
        sql.push('(');
        for column in 0..width {
            if column > 0 {
                sql.push_str(", ");
            }
            if anonymous {
                sql.push('?');
            } else {
                push_placeholder(&mut sql, row * width + column + 1);
            }
        }
        sql.push(')');
    }
    sql
}

/// `column` is one of the values of the JSON array bound as parameter `$param` (integers, or
/// with `text` strings): a list of any length as one parameter. A long `IN ($1, …, $500)` costs
/// SQLite a linear scan of its parameters for each one bound (4 % of a thread page's CPU), and
/// PostgreSQL plans it anew for each length. On PostgreSQL the list is an array
/// (`= ANY(ARRAY(…))`), not an `IN` subquery: that one is planned as a join, which PostgreSQL
/// may make a scan of the whole table when its statistics are behind (a table that has just
/// grown: 1.7 ms a call at 3,000 posts, in the writer's every batch, where the array takes the
/// primary key's index: 0.1 ms). The array does not help a prepared statement whose generic
/// plan was made while the table was nearly empty (a fresh database): that plan stays a scan as
/// the table grows, so a hot statement on a table that grows fast is planned on each call on
/// PostgreSQL (`persistent(false)`, as `Db::live_conversations_locked` does).
pub(crate) fn in_json_list(backend: Backend, column: &str, param: usize, text: bool) -> String {
    match (backend, text) {
        (Backend::Sqlite, _) => format!("{column} IN (SELECT value FROM json_each(${param}))"),
        (Backend::Postgres, false) => format!(
            "{column} = ANY(ARRAY(SELECT value::bigint FROM json_array_elements_text(${param}::json)))"
        ),
        (Backend::Postgres, true) => format!(
            "{column} = ANY(ARRAY(SELECT value FROM json_array_elements_text(${param}::json)))"
        ),
    }
}

/// `$first, $first+1, ...`: `count` placeholders.
pub(crate) fn placeholders(first: usize, count: usize) -> String {
    let mut sql = String::with_capacity(count * 6);
    for n in first..first + count {
        if n > first {
            sql.push_str(", ");
        }
        push_placeholder(&mut sql, n);
    }
    sql
}

/// Appends `$n` to `sql`, with no allocation of its own (a batch of the writer writes a few
/// thousand of them, and `format!` for each was 0.5 % of the machine in a PostgreSQL run).
fn push_placeholder(sql: &mut String, n: usize) {
    use std::fmt::Write;
    // Writing to a String cannot fail.
    let _ = write!(sql, "${n}");
}

/// On PostgreSQL, the rows of a multi-row statement as one JSON parameter `$param`, read back
/// as a table `r` of `columns` (`"ap_id text, published_at bigint"`; each row a JSON object with
/// those keys, from [`json_list`] of a `Serialize` struct). The statement's text is then the
/// same for any number of rows: with `VALUES` each row count was a statement of its own, which
/// the connection prepared (a round trip more) and, past sqlx's cache of 100 statements a
/// connection, closed again (another): about a fifth of the writer's round trips in the
/// ingest benchmark (docs/performance.md, Ingest).
pub(crate) fn json_rows(param: usize, columns: &str) -> String {
    format!("json_to_recordset(${param}::json) AS r({columns})")
}

/// `items` as the JSON array text that an [`in_json_list`] condition reads.
pub(crate) fn json_list<T: Serialize>(items: &[T]) -> Result<String, sqlx::Error> {
    serde_json::to_string(items).map_err(|err| sqlx::Error::Encode(err.into()))
}

/// The keys of `row` serialized as JSON, and the column names of a [`json_rows`] type list,
/// both sorted: the two must be the same for every row type (each one's tests check), as
/// PostgreSQL reads each column by its name and leaves one it does not find NULL.
#[cfg(test)]
pub(crate) fn keys_and_columns(row: &impl Serialize, columns: &str) -> (Vec<String>, Vec<String>) {
    let mut keys: Vec<String> = match serde_json::to_value(row) {
        Ok(serde_json::Value::Object(map)) => map.keys().cloned().collect(),
        other => panic!("a row is an object: {other:?}"),
    };
    let mut names: Vec<String> = columns
        .split(',')
        .filter_map(|column| column.split_whitespace().next())
        .map(str::to_string)
        .collect();
    keys.sort();
    names.sort();
    (keys, names)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_are_numbered_from_the_first() {
        assert_eq!(placeholders(3, 3), "$3, $4, $5");
        assert_eq!(placeholders(9, 2), "$9, $10");
        assert_eq!(placeholders(1, 1), "$1");
        assert_eq!(placeholders(1, 0), "");
    }
}
