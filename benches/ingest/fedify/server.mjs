// A Fedify-based inbox doing the ingest benchmark's job, for the side-by-side run
// (`cargo bench --bench ingest -- --against fedify`; see docs/performance.md, "Ingest").
//
//   node server.mjs --port PORT --db PATH [--thread URL] [--raw] [--workers N]
//                   [--cpu-prof FILE]
//
// For each signed Create(Note) POSTed to the shared inbox (/inbox), Fedify itself checks the
// Digest, verifies the HTTP signature (draft-cavage; it fetches the actor's key from the sender
// once and keeps it in its key cache, here a MemoryKvStore), parses the activity (JSON-LD),
// checks that the signer is the actor and that the activity was not processed before. Then the
// listener below checks that the note's attributedTo is the actor, sanitizes the content
// (sanitize-html, unless --raw), and in one SQLite transaction (WAL, synchronous=NORMAL, as
// Rounds) stores the note (its id unique, the author, inReplyTo, the parent and root if the
// parent is known) and records the Group's Announce of it in an outbox table, to be delivered
// later. Fedify answers 202 once the listener has returned (no inbox queue: the write is done
// before the answer, as in Rounds).
//
// Node runs the JavaScript on one core: this is Fedify as usually deployed. `--workers N` runs N
// processes with node:cluster on the same port, an option, not the default: each has its own
// SQLite connection to the same file, and Fedify's key-value store (key cache, idempotence) is
// then shared through a second SQLite file (SqliteKvStore below) instead of each process's
// memory, as a multi-process deployment shares it through Redis or PostgreSQL.
//
// On SIGTERM or SIGINT it closes the database and exits 0. `--cpu-prof FILE` profiles each
// serving process with V8's sampling profiler (node:inspector, as `node --cpu-prof`, which
// NODE_OPTIONS does not accept) from start to exit and writes FILE (FILE.PID for workers),
// to open in Chrome's DevTools or summarize with `node profile-summary.mjs FILE`.

import cluster from "node:cluster";
import { writeFileSync } from "node:fs";
import { Session } from "node:inspector";
import process from "node:process";

import { createFederation, MemoryKvStore } from "@fedify/fedify";
import { Create, Group, Note } from "@fedify/fedify/vocab";
import { serve } from "@hono/node-server";
import { configure, getConsoleSink } from "@logtape/logtape";
import Database from "better-sqlite3";
import sanitizeHtml from "sanitize-html";

const PUBLIC = "https://www.w3.org/ns/activitystreams#Public";

function parseArgs(argv) {
  const options = { port: 0, db: null, thread: null, raw: false, workers: 1, cpuProf: null };
  for (let i = 0; i < argv.length; i++) {
    const value = argv[i + 1];
    switch (argv[i]) {
      case "--port": options.port = Number(value); i++; break;
      case "--db": options.db = value; i++; break;
      case "--thread": options.thread = value; i++; break;
      case "--workers": options.workers = Number(value); i++; break;
      case "--cpu-prof": options.cpuProf = value; i++; break;
      case "--raw": options.raw = true; break;
      default:
        console.error(`unknown argument ${argv[i]}`);
        process.exit(2);
    }
  }
  if (!options.port || !options.db || !(options.workers >= 1)) {
    console.error("usage: node server.mjs --port PORT --db PATH [--thread URL] [--raw] [--workers N]");
    process.exit(2);
  }
  return options;
}

const options = parseArgs(process.argv.slice(2));
if (process.env.FEDIFY_BENCH_DEBUG) {
  // Fedify's own logs (why a request was refused), off by default as they cost time.
  await configure({
    sinks: { console: getConsoleSink() },
    loggers: [
      { category: "fedify", lowestLevel: "debug", sinks: ["console"] },
      { category: ["logtape", "meta"], lowestLevel: "warning", sinks: ["console"] },
    ],
  });
}
const base = `http://localhost:${options.port}`;

// Fedify's KvStore interface over better-sqlite3, shared by the worker processes.
class SqliteKvStore {
  constructor(path) {
    this.db = new Database(path);
    this.db.pragma("journal_mode = WAL");
    this.db.pragma("synchronous = NORMAL");
    this.db.pragma("busy_timeout = 5000");
    this.db.exec("CREATE TABLE IF NOT EXISTS kv (key TEXT PRIMARY KEY, value TEXT NOT NULL, expires INTEGER)");
    this.getStatement = this.db.prepare("SELECT value, expires FROM kv WHERE key = ?");
    this.setStatement = this.db.prepare("INSERT OR REPLACE INTO kv (key, value, expires) VALUES (?, ?, ?)");
    this.deleteStatement = this.db.prepare("DELETE FROM kv WHERE key = ?");
  }
  get(key) {
    const row = this.getStatement.get(JSON.stringify(key));
    if (row == null || (row.expires != null && row.expires < Date.now())) return Promise.resolve(undefined);
    return Promise.resolve(JSON.parse(row.value));
  }
  set(key, value, options) {
    const ttl = options?.ttl == null ? null : Date.now() + options.ttl.total({ unit: "millisecond" });
    this.setStatement.run(JSON.stringify(key), JSON.stringify(value), ttl);
    return Promise.resolve();
  }
  delete(key) {
    this.deleteStatement.run(JSON.stringify(key));
    return Promise.resolve();
  }
}

function openDatabase(path) {
  const db = new Database(path);
  db.pragma("journal_mode = WAL");
  db.pragma("synchronous = NORMAL");
  db.pragma("busy_timeout = 5000");
  db.exec(`
    CREATE TABLE IF NOT EXISTS posts (
      id INTEGER PRIMARY KEY,
      ap_id TEXT NOT NULL UNIQUE,
      author TEXT NOT NULL,
      in_reply_to TEXT,
      parent_id INTEGER REFERENCES posts (id),
      root_id INTEGER REFERENCES posts (id),
      content TEXT NOT NULL,
      published TEXT,
      received_at INTEGER NOT NULL
    );
    CREATE INDEX IF NOT EXISTS posts_root ON posts (root_id);
    CREATE TABLE IF NOT EXISTS outbox (
      id INTEGER PRIMARY KEY,
      activity_id TEXT NOT NULL UNIQUE,
      activity TEXT NOT NULL,
      created_at INTEGER NOT NULL,
      delivered_at INTEGER
    );
  `);
  return db;
}

// The tables, and the thread the replies answer, made once before any worker starts.
function prepareDatabase() {
  const db = openDatabase(options.db);
  if (options.thread) {
    db.prepare(
      "INSERT OR IGNORE INTO posts (ap_id, author, content, received_at) VALUES (?, ?, ?, ?)",
    ).run(options.thread, `${base}/users/ada`, "<p>Tell us how you manage your records.</p>", Date.now());
  }
  db.close();
  if (options.workers > 1) new SqliteKvStore(`${options.db}.kv`).db.close();
}

// Starts V8's sampling profiler; returns a function that stops it and writes the profile.
function startProfiler(file) {
  const session = new Session();
  session.connect();
  session.post("Profiler.enable");
  session.post("Profiler.setSamplingInterval", { interval: 1000 });
  session.post("Profiler.start");
  return () => {
    session.post("Profiler.stop", (error, result) => {
      if (error == null) writeFileSync(file, JSON.stringify(result.profile));
    });
  };
}

function startServer() {
  const stopProfiler = options.cpuProf == null
    ? () => {}
    : startProfiler(cluster.isPrimary ? options.cpuProf : `${options.cpuProf}.${process.pid}`);
  const db = openDatabase(options.db);
  const parentOf = db.prepare("SELECT id, root_id FROM posts WHERE ap_id = ?");
  const insertPost = db.prepare(
    `INSERT INTO posts (ap_id, author, in_reply_to, parent_id, root_id, content, published, received_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (ap_id) DO NOTHING`,
  );
  const insertOutbox = db.prepare(
    "INSERT INTO outbox (activity_id, activity, created_at) VALUES (?, ?, ?)",
  );
  const community = `${base}/users/community`;
  // One transaction: the reply and the Announce to deliver, or neither. Called with
  // .immediate (BEGIN IMMEDIATE): it reads before it writes, and with --workers a deferred
  // transaction could fail with SQLITE_BUSY instead of waiting for the lock.
  const store = db.transaction((note) => {
    const parent = note.inReplyTo == null ? undefined : parentOf.get(note.inReplyTo);
    const inserted = insertPost.run(
      note.id,
      note.author,
      note.inReplyTo,
      parent?.id ?? null,
      parent == null ? null : (parent.root_id ?? parent.id),
      note.content,
      note.published,
      Date.now(),
    );
    if (inserted.changes === 0) return; // already stored: nothing more to announce
    const announceId = `${community}/announces/${inserted.lastInsertRowid}`;
    const announce = {
      "@context": "https://www.w3.org/ns/activitystreams",
      id: announceId,
      type: "Announce",
      actor: community,
      object: note.id,
      to: [PUBLIC],
      cc: [`${community}/followers`],
    };
    insertOutbox.run(announceId, JSON.stringify(announce), Date.now());
  });

  // What Rounds' sanitizer keeps of Mastodon's HTML, roughly: text formatting and links.
  const sanitizeOptions = {
    allowedTags: ["p", "br", "a", "span", "em", "strong", "b", "i", "code", "pre", "blockquote", "ul", "ol", "li"],
    allowedAttributes: { a: ["href", "rel"], span: ["class"] },
    allowedSchemes: ["http", "https"],
    transformTags: { a: sanitizeHtml.simpleTransform("a", { rel: "nofollow noopener noreferrer" }) },
  };

  const federation = createFederation({
    kv: options.workers > 1 ? new SqliteKvStore(`${options.db}.kv`) : new MemoryKvStore(),
    // The remote actors are on http://localhost:PORT (the benchmark's origin).
    allowPrivateAddress: true,
  });

  federation.setActorDispatcher("/users/{identifier}", (ctx, identifier) => {
    if (identifier !== "community") return null;
    return new Group({
      id: ctx.getActorUri(identifier),
      preferredUsername: identifier,
      name: "Community",
      inbox: ctx.getInboxUri(identifier),
      followers: new URL(`${community}/followers`),
    });
  });

  federation
    .setInboxListeners("/users/{identifier}/inbox", "/inbox")
    .on(Create, async (ctx, create) => {
      const object = await create.getObject();
      if (!(object instanceof Note)) return; // not our job: accepted, ignored
      const actor = create.actorId?.href;
      if (actor == null || object.id == null || object.attributionId?.href !== actor) {
        throw new Error("the note's attributedTo is not the activity's actor");
      }
      const html = object.content?.toString() ?? "";
      store.immediate({
        id: object.id.href,
        author: actor,
        inReplyTo: object.replyTargetId?.href ?? null,
        content: options.raw ? html : sanitizeHtml(html, sanitizeOptions),
        published: object.published?.toString() ?? null,
      });
    })
    .onError((_ctx, error) => {
      if (process.env.FEDIFY_BENCH_DEBUG) console.error(error);
    });

  const server = serve({
    fetch: (request) => federation.fetch(request, { contextData: undefined }),
    hostname: "127.0.0.1",
    port: options.port,
  }, () => {
    if (cluster.isPrimary) console.log(`listening on ${base}`);
  });

  const stop = () => {
    stopProfiler(); // synchronous: the inspector session answers before post() returns
    server.close();
    db.close();
    process.exit(0);
  };
  process.on("SIGTERM", stop);
  process.on("SIGINT", stop);
}

if (options.workers > 1 && cluster.isPrimary) {
  prepareDatabase();
  const workers = [];
  let listening = 0;
  for (let i = 0; i < options.workers; i++) {
    const worker = cluster.fork();
    worker.on("listening", () => {
      if (++listening === options.workers) {
        console.log(`listening on ${base} (${options.workers} workers)`);
      }
    });
    workers.push(worker);
  }
  const stop = () => {
    let left = workers.length;
    for (const worker of workers) {
      worker.on("exit", () => {
        if (--left === 0) process.exit(0);
      });
      worker.kill("SIGTERM");
    }
  };
  process.on("SIGTERM", stop);
  process.on("SIGINT", stop);
} else {
  if (cluster.isPrimary) prepareDatabase();
  startServer();
}
