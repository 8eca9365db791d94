"""The corpus schema, defined once, as numbered migrations.

Every open applies the migrations that are missing, each in its own transaction, so an
old corpus is upgraded in place and a half-applied migration never stays behind. Add a
new migration at the end; never edit one that has shipped.

The DDL is written as SQL rather than through `Table.create` because it needs what
sqlite-utils cannot express (CHECK constraints, external-content FTS5 with triggers),
and because `Table.enable_fts` calls `executescript`, which would commit the
transaction a migration runs in.
"""

from __future__ import annotations

from sqlite_utils import Database
from sqlite_utils.migrations import Migrations

migrations = Migrations("communique")

SEGMENT_KINDS = ("statement", "question", "answer")
# the ministry's own voice: what is judged for stance, compared and exported (a question's
# attitude is the journalist's)
OWN_KINDS = ("answer", "statement")
PARSE_STATUSES = ("ok", "error")


def _run(db: Database, *statements: str) -> None:
    for statement in statements:
        db.execute(statement)


@migrations()
def m001_sources_documents_segments(db: Database) -> None:
    _run(
        db,
        """
        CREATE TABLE sources (
            name TEXT PRIMARY KEY,
            ministry TEXT NOT NULL,
            country TEXT NOT NULL,
            language TEXT NOT NULL,
            homepage TEXT
        )""",
        f"""
        CREATE TABLE documents (
            id TEXT PRIMARY KEY,
            source TEXT NOT NULL REFERENCES sources(name),
            url TEXT NOT NULL UNIQUE,
            title TEXT,
            date TEXT,
            date_inferred TEXT,
            spokesperson TEXT,
            kind TEXT,
            language TEXT NOT NULL,
            layout TEXT,
            sequence INTEGER,
            fetched_at TEXT NOT NULL,
            http_status INTEGER,
            html_sha256 TEXT NOT NULL,
            parse_status TEXT NOT NULL CHECK (parse_status IN {PARSE_STATUSES!r}),
            parse_error TEXT,
            segment_count INTEGER NOT NULL DEFAULT 0
        )""",
        "CREATE INDEX documents_source_date ON documents(source, date)",
        "CREATE INDEX documents_spokesperson ON documents(spokesperson)",
        # The raw page, kept so that any document can be parsed again without a fetch.
        # Apart from documents so that browsing documents never drags the blobs along.
        """
        CREATE TABLE pages (
            document_id TEXT PRIMARY KEY REFERENCES documents(id),
            content_type TEXT,
            encoding TEXT,
            html_zlib BLOB NOT NULL,
            bytes INTEGER NOT NULL,
            sha256 TEXT NOT NULL
        )""",
        f"""
        CREATE TABLE segments (
            id TEXT PRIMARY KEY,
            document_id TEXT NOT NULL REFERENCES documents(id),
            position INTEGER NOT NULL,
            kind TEXT NOT NULL CHECK (kind IN {SEGMENT_KINDS!r}),
            label TEXT,
            speaker TEXT,
            reply_to TEXT REFERENCES segments(id),
            text TEXT NOT NULL,
            paragraphs INTEGER NOT NULL,
            text_sha256 TEXT NOT NULL,
            UNIQUE (document_id, position)
        )""",
        "CREATE INDEX segments_reply_to ON segments(reply_to)",
        "CREATE INDEX segments_kind ON segments(kind)",
        # External-content FTS5: the text lives once, in segments; triggers keep the
        # index in step with every insert, update and delete.
        """
        CREATE VIRTUAL TABLE segments_fts USING fts5(
            text, speaker, content='segments', content_rowid='rowid',
            tokenize='porter unicode61 remove_diacritics 2'
        )""",
        """
        CREATE TRIGGER segments_ai AFTER INSERT ON segments BEGIN
            INSERT INTO segments_fts (rowid, text, speaker)
            VALUES (new.rowid, new.text, new.speaker);
        END""",
        """
        CREATE TRIGGER segments_ad AFTER DELETE ON segments BEGIN
            INSERT INTO segments_fts (segments_fts, rowid, text, speaker)
            VALUES ('delete', old.rowid, old.text, old.speaker);
        END""",
        """
        CREATE TRIGGER segments_au AFTER UPDATE ON segments BEGIN
            INSERT INTO segments_fts (segments_fts, rowid, text, speaker)
            VALUES ('delete', old.rowid, old.text, old.speaker);
            INSERT INTO segments_fts (rowid, text, speaker)
            VALUES (new.rowid, new.text, new.speaker);
        END""",
        # One row per turn with the provenance a reader needs, for search and facets.
        """
        CREATE VIEW turns AS
        SELECT
            segments.rowid AS segment_rowid,
            segments.id AS segment_id,
            documents.source,
            documents.date,
            substr(documents.date, 1, 4) AS year,
            substr(documents.date, 1, 7) AS month,
            documents.spokesperson,
            segments.kind,
            segments.speaker,
            segments.text,
            segments.position,
            segments.reply_to,
            documents.title,
            documents.url,
            documents.id AS document_id
        FROM segments JOIN documents ON documents.id = segments.document_id""",
    )


REFERENCE_CLASSES = ("named", "role", "oblique", "absent")


@migrations()
def m002_embeddings_actors_references(db: Database) -> None:
    _run(
        db,
        # float32 vectors, cached per (model, text): unchanged text is never embedded twice.
        # A rowid table on purpose: WITHOUT ROWID gives every 1.5 kB vector an overflow
        # page of its own, three times the size on disk.
        """
        CREATE TABLE embeddings (
            model TEXT NOT NULL,
            text_sha256 TEXT NOT NULL,
            dim INTEGER NOT NULL,
            vector BLOB NOT NULL,
            PRIMARY KEY (model, text_sha256)
        )""",
        "CREATE INDEX segments_text_sha256 ON segments(text_sha256)",
        """
        CREATE TABLE actors (
            id TEXT PRIMARY KEY,
            name TEXT NOT NULL,
            kind TEXT NOT NULL,
            aliases TEXT NOT NULL,
            roles TEXT NOT NULL,
            fingerprint TEXT NOT NULL
        )""",
        f"""
        CREATE TABLE actor_references (
            segment_id TEXT NOT NULL REFERENCES segments(id) ON DELETE CASCADE,
            actor_id TEXT NOT NULL REFERENCES actors(id),
            class TEXT NOT NULL CHECK (class IN {REFERENCE_CLASSES!r}),
            title TEXT,
            forms TEXT NOT NULL,
            form_count INTEGER NOT NULL,
            method TEXT NOT NULL,
            score REAL,
            PRIMARY KEY (segment_id, actor_id)
        )""",
        "CREATE INDEX actor_references_actor ON actor_references(actor_id, class)",
        # One row per exact form, with offsets into the segment's text.
        """
        CREATE TABLE reference_forms (
            segment_id TEXT NOT NULL REFERENCES segments(id) ON DELETE CASCADE,
            actor_id TEXT NOT NULL REFERENCES actors(id),
            start INTEGER NOT NULL,
            end INTEGER NOT NULL,
            form TEXT NOT NULL,
            class TEXT NOT NULL,
            title TEXT,
            PRIMARY KEY (segment_id, actor_id, start)
        )""",
        "CREATE INDEX reference_forms_actor ON reference_forms(actor_id, form)",
        # For every answer and every actor its question refers to: how each names it.
        f"""
        CREATE TABLE avoidance (
            answer_id TEXT NOT NULL REFERENCES segments(id) ON DELETE CASCADE,
            actor_id TEXT NOT NULL REFERENCES actors(id),
            question_id TEXT NOT NULL REFERENCES segments(id) ON DELETE CASCADE,
            in_question TEXT NOT NULL CHECK (in_question IN {REFERENCE_CLASSES!r}),
            in_answer TEXT NOT NULL CHECK (in_answer IN {REFERENCE_CLASSES!r}),
            avoided INTEGER NOT NULL,
            PRIMARY KEY (answer_id, actor_id)
        )""",
        "CREATE INDEX avoidance_actor ON avoidance(actor_id, avoided)",
        # What each segment's analysis was computed from, so a rerun redoes only what changed.
        """
        CREATE TABLE analysis_state (
            segment_id TEXT PRIMARY KEY REFERENCES segments(id) ON DELETE CASCADE,
            input_sha256 TEXT NOT NULL,
            analysis_version TEXT NOT NULL,
            analyzed_at TEXT NOT NULL
        )""",
    )


STANCE_LABELS = ("support", "oppose", "neutral")


@migrations()
def m003_stances(db: Database) -> None:
    _run(
        db,
        f"""
        CREATE TABLE stances (
            answer_id TEXT NOT NULL REFERENCES segments(id) ON DELETE CASCADE,
            actor_id TEXT NOT NULL REFERENCES actors(id),
            label TEXT NOT NULL CHECK (label IN {STANCE_LABELS!r}),
            score REAL NOT NULL CHECK (score BETWEEN -1 AND 1),
            confidence REAL NOT NULL,
            p_support REAL NOT NULL,
            p_oppose REAL NOT NULL,
            p_neutral REAL NOT NULL,
            evidence TEXT NOT NULL,
            embedding_model TEXT NOT NULL,
            method TEXT NOT NULL,
            PRIMARY KEY (answer_id, actor_id)
        )""",
        "CREATE INDEX stances_actor ON stances(actor_id, label)",
    )


@migrations()
def m004_answer_actors_view(db: Database) -> None:
    # One row per (answer, actor) with everything a reader filters on: the corpus' main
    # browsing table, searchable through segments_fts by the answer's rowid.
    _run(
        db,
        """
        CREATE VIEW answer_actors AS
        SELECT
            a.rowid AS answer_rowid,
            a.id AS answer_id,
            d.date,
            substr(d.date, 1, 4) AS year,
            substr(d.date, 1, 7) AS month,
            d.source,
            src.ministry,
            d.spokesperson,
            pairs.actor_id AS actor,
            coalesce(av.in_question, 'absent') AS in_question,
            coalesce(ar.class, 'absent') AS in_answer,
            coalesce(av.avoided, 0) AS avoided,
            ar.forms,
            ar.title,
            st.label AS stance,
            round(st.score, 3) AS stance_score,
            a.text AS answer,
            d.url
        FROM (
            SELECT answer_id, actor_id FROM avoidance
            UNION SELECT segment_id, actor_id FROM actor_references
                  WHERE segment_id IN (SELECT id FROM segments WHERE kind = 'answer')
        ) AS pairs
        JOIN segments a ON a.id = pairs.answer_id
        JOIN documents d ON d.id = a.document_id
        JOIN sources src ON src.name = d.source
        LEFT JOIN avoidance av ON av.answer_id = pairs.answer_id AND av.actor_id = pairs.actor_id
        LEFT JOIN actor_references ar ON ar.segment_id = pairs.answer_id AND ar.actor_id = pairs.actor_id
        LEFT JOIN stances st ON st.answer_id = pairs.answer_id AND st.actor_id = pairs.actor_id""",
    )


# What became of every URL a crawl tried. Outcomes that leave a listed briefing unstored
# are FETCH_FAILURES; "pending" is a URL requested by a crawl that has not ended (or was
# killed): the next crawl resolves it.
FETCH_OUTCOMES = (
    "pending", "listed", "missing", "stored", "unchanged", "parse_error", "removed", "out_of_range",
    "http_error", "offsite_redirect", "network_error", "ignored", "store_error", "not_fetched",
)
FETCH_FAILURES = (
    "parse_error", "http_error", "offsite_redirect", "network_error", "ignored", "store_error", "not_fetched",
)


@migrations()
def m010_fetches(db: Database) -> None:
    _run(
        db,
        # One row per URL, its latest outcome; attempts add up over every crawl that tried it.
        f"""
        CREATE TABLE fetches (
            url TEXT PRIMARY KEY,
            source TEXT NOT NULL REFERENCES sources(name),
            kind TEXT NOT NULL CHECK (kind IN ('list', 'article')),
            outcome TEXT NOT NULL CHECK (outcome IN {FETCH_OUTCOMES!r}),
            http_status INTEGER,
            final_url TEXT,
            error TEXT,
            attempts INTEGER NOT NULL DEFAULT 0,
            listed_on TEXT,
            document_id TEXT,
            first_tried_at TEXT,
            last_tried_at TEXT
        )""",
        "CREATE INDEX fetches_source_outcome ON fetches(source, outcome)",
    )


@migrations()
def m011_document_versions(db: Database) -> None:
    _run(
        db,
        # documents/pages/segments hold the current copy of a page; when a refetch finds
        # the page changed, the copy it replaces moves here with its segments, so an edit
        # or a deletion on the ministry's site stays visible.
        "ALTER TABLE documents ADD COLUMN version INTEGER NOT NULL DEFAULT 1",
        """
        CREATE TABLE document_versions (
            document_id TEXT NOT NULL REFERENCES documents(id),
            version INTEGER NOT NULL,
            fetched_at TEXT NOT NULL,
            replaced_at TEXT NOT NULL,
            title TEXT,
            date TEXT,
            spokesperson TEXT,
            kind TEXT,
            layout TEXT,
            http_status INTEGER,
            parse_status TEXT NOT NULL,
            parse_error TEXT,
            segment_count INTEGER NOT NULL,
            content_type TEXT,
            encoding TEXT,
            html_sha256 TEXT NOT NULL,
            html_zlib BLOB NOT NULL,
            bytes INTEGER NOT NULL,
            PRIMARY KEY (document_id, version)
        )""",
        # The segments a replaced copy had; ids are the segments' own, so a turn whose
        # text did not change has the same id in every version.
        """
        CREATE TABLE version_segments (
            document_id TEXT NOT NULL,
            version INTEGER NOT NULL,
            position INTEGER NOT NULL,
            segment_id TEXT NOT NULL,
            kind TEXT NOT NULL,
            label TEXT,
            speaker TEXT,
            reply_to TEXT,
            text TEXT NOT NULL,
            PRIMARY KEY (document_id, version, position),
            FOREIGN KEY (document_id, version) REFERENCES document_versions(document_id, version)
        )""",
    )


@migrations()
def m030_answer_actors_whose_words(db: Database) -> None:
    # The browsing view again, for two reasons a reader met. Its computed integers had no
    # column affinity, so Datasette's facet links (`avoided=1`, sent as text) matched no
    # row; CAST gives them INTEGER / REAL affinity and the text '1' is compared as 1. And
    # a form must say whose words it is: the journalist's (question_*) or the ministry's
    # (answer_*), never a bare `forms`.
    _run(
        db,
        "DROP VIEW IF EXISTS answer_actors",
        """
        CREATE VIEW answer_actors AS
        SELECT
            a.rowid AS answer_rowid,
            a.id AS answer_id,
            d.date,
            substr(d.date, 1, 4) AS year,
            substr(d.date, 1, 7) AS month,
            d.source,
            src.ministry,
            d.spokesperson,
            pairs.actor_id AS actor,
            coalesce(av.in_question, 'absent') AS in_question,
            coalesce(ar.class, 'absent') AS in_answer,
            CAST(coalesce(av.avoided, 0) AS INTEGER) AS avoided,
            qr.forms AS question_forms,
            qr.title AS question_title,
            ar.forms AS answer_forms,
            ar.title AS answer_title,
            st.label AS stance,
            CAST(round(st.score, 3) AS REAL) AS stance_score,
            a.reply_to AS question_id,
            a.text AS answer,
            d.url
        FROM (
            SELECT answer_id, actor_id FROM avoidance
            UNION SELECT segment_id, actor_id FROM actor_references
                  WHERE segment_id IN (SELECT id FROM segments WHERE kind = 'answer')
        ) AS pairs
        JOIN segments a ON a.id = pairs.answer_id
        JOIN documents d ON d.id = a.document_id
        JOIN sources src ON src.name = d.source
        LEFT JOIN avoidance av ON av.answer_id = pairs.answer_id AND av.actor_id = pairs.actor_id
        LEFT JOIN actor_references ar ON ar.segment_id = pairs.answer_id AND ar.actor_id = pairs.actor_id
        LEFT JOIN actor_references qr ON qr.segment_id = a.reply_to AND qr.actor_id = pairs.actor_id
        LEFT JOIN stances st ON st.answer_id = pairs.answer_id AND st.actor_id = pairs.actor_id""",
    )


@migrations()
def m040_actor_relations(db: Database) -> None:
    """What the registry says of an actor beyond its names: the ids that also mean it
    (merged duplicates, older ids), the state it belongs to, and whether it is a state's
    institution made from the role vocabulary rather than written by anyone."""
    actors = db["actors"]
    for column, kind in (("other_ids", str), ("state", str), ("generated", int)):
        if column not in actors.columns_dict:
            actors.add_column(column, kind)


ALIGNMENT_METHODS = ("position", "anchors", "unaligned")


@migrations()
def m050_twins_and_translations(db: Database) -> None:
    # Issue 11: the English transcripts translate the Chinese originals. `twins` links each
    # Chinese briefing to its English translation; `translations` says which English turn
    # renders which Chinese turn, one row per aligned pair and one per turn that has no
    # counterpart (the other side NULL, method 'unaligned'). Rows go with their segments.
    _run(
        db,
        """
        CREATE TABLE twins (
            zh_document_id TEXT PRIMARY KEY REFERENCES documents(id),
            en_document_id TEXT NOT NULL UNIQUE REFERENCES documents(id),
            score REAL NOT NULL,
            method TEXT NOT NULL,
            input_sha256 TEXT,
            aligned INTEGER NOT NULL DEFAULT 0,
            unaligned_zh INTEGER NOT NULL DEFAULT 0,
            unaligned_en INTEGER NOT NULL DEFAULT 0
        )""",
        f"""
        CREATE TABLE translations (
            id INTEGER PRIMARY KEY,
            zh_document_id TEXT NOT NULL REFERENCES twins(zh_document_id) ON DELETE CASCADE,
            zh_segment_id TEXT REFERENCES segments(id) ON DELETE CASCADE,
            en_segment_id TEXT REFERENCES segments(id) ON DELETE CASCADE,
            kind TEXT NOT NULL,
            score REAL,
            method TEXT NOT NULL CHECK (method IN {ALIGNMENT_METHODS!r}),
            anchors TEXT NOT NULL DEFAULT '[]',
            CHECK (zh_segment_id IS NOT NULL OR en_segment_id IS NOT NULL)
        )""",
        "CREATE UNIQUE INDEX translations_zh ON translations(zh_segment_id) WHERE zh_segment_id IS NOT NULL",
        "CREATE UNIQUE INDEX translations_en ON translations(en_segment_id) WHERE en_segment_id IS NOT NULL",
        "CREATE INDEX translations_document ON translations(zh_document_id)",
        # What the last linking was made from: a run on the same turns does nothing.
        "CREATE TABLE alignment_state (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
        # Both texts side by side, for browsing and for the divergence query.
        """
        CREATE VIEW translated_turns AS
        SELECT t.id, d.date, t.kind, t.method, t.score, t.anchors,
               t.zh_segment_id, zh.text AS zh_text, t.en_segment_id, en.text AS en_text,
               t.zh_document_id, tw.en_document_id
        FROM translations t
        JOIN twins tw ON tw.zh_document_id = t.zh_document_id
        JOIN documents d ON d.id = t.zh_document_id
        LEFT JOIN segments zh ON zh.id = t.zh_segment_id
        LEFT JOIN segments en ON en.id = t.en_segment_id""",
    )


@migrations()
def m051_chinese_search(db: Database) -> None:
    # unicode61 (segments_fts) reads a run of Chinese characters as one token: 委内瑞拉 inside
    # a sentence is never found. Chinese turns get a trigram index of their own (README,
    # "Search in Chinese", says why trigrams rather than a word segmenter), kept in step by
    # triggers like segments_fts; the turns view says each turn's language, for facets.
    zh = "(SELECT language FROM documents WHERE id = {}.document_id) = 'zh'"
    _run(
        db,
        """
        CREATE VIRTUAL TABLE segments_fts_zh USING fts5(
            text, content='segments', content_rowid='rowid', tokenize='trigram'
        )""",
        f"""
        CREATE TRIGGER segments_zh_ai AFTER INSERT ON segments WHEN {zh.format("new")} BEGIN
            INSERT INTO segments_fts_zh (rowid, text) VALUES (new.rowid, new.text);
        END""",
        f"""
        CREATE TRIGGER segments_zh_ad AFTER DELETE ON segments WHEN {zh.format("old")} BEGIN
            INSERT INTO segments_fts_zh (segments_fts_zh, rowid, text) VALUES ('delete', old.rowid, old.text);
        END""",
        f"""
        CREATE TRIGGER segments_zh_au AFTER UPDATE ON segments WHEN {zh.format("new")} BEGIN
            INSERT INTO segments_fts_zh (segments_fts_zh, rowid, text) VALUES ('delete', old.rowid, old.text);
            INSERT INTO segments_fts_zh (rowid, text) VALUES (new.rowid, new.text);
        END""",
        """
        INSERT INTO segments_fts_zh (rowid, text)
        SELECT s.rowid, s.text FROM segments s JOIN documents d ON d.id = s.document_id WHERE d.language = 'zh'""",
        "DROP VIEW IF EXISTS turns",
        """
        CREATE VIEW turns AS
        SELECT
            segments.rowid AS segment_rowid,
            segments.id AS segment_id,
            documents.source,
            documents.language,
            documents.date,
            substr(documents.date, 1, 4) AS year,
            substr(documents.date, 1, 7) AS month,
            documents.spokesperson,
            segments.kind,
            segments.speaker,
            segments.text,
            segments.position,
            segments.reply_to,
            documents.title,
            documents.url,
            documents.id AS document_id
        FROM segments JOIN documents ON documents.id = segments.document_id""",
    )


@migrations()
def m060_events(db: Database) -> None:
    """Events: turns of several ministries about the same actors, within days, close in meaning.

    `events` holds what a reader sees (label, dates, ministries); `event_turns` which turn
    belongs to which event (a turn to one at most); `event_components` what each group of
    linked turns was clustered from, so that `analyze` reclusters only the groups whose
    turns changed, and `event_state` the fingerprint of all the inputs, so that an
    unchanged corpus costs one comparison.
    """
    _run(
        db,
        """
        CREATE TABLE events (
            id TEXT PRIMARY KEY,
            label TEXT NOT NULL,
            actors TEXT NOT NULL,
            terms TEXT NOT NULL,
            first_date TEXT NOT NULL,
            last_date TEXT NOT NULL,
            ministries TEXT NOT NULL,
            ministry_count INTEGER NOT NULL,
            turn_count INTEGER NOT NULL,
            component TEXT NOT NULL,
            method TEXT NOT NULL,
            updated_at TEXT NOT NULL
        )""",
        "CREATE INDEX events_dates ON events(first_date, last_date)",
        "CREATE INDEX events_component ON events(component)",
        """
        CREATE TABLE event_turns (
            segment_id TEXT PRIMARY KEY REFERENCES segments(id) ON DELETE CASCADE,
            event_id TEXT NOT NULL REFERENCES events(id) ON DELETE CASCADE,
            ministry TEXT NOT NULL,
            date TEXT NOT NULL,
            distance REAL NOT NULL
        )""",
        "CREATE INDEX event_turns_event ON event_turns(event_id, ministry)",
        """
        CREATE TABLE event_components (
            component TEXT PRIMARY KEY,
            turns INTEGER NOT NULL,
            events INTEGER NOT NULL,
            clustered_at TEXT NOT NULL
        )""",
        """
        CREATE TABLE event_state (
            key TEXT PRIMARY KEY,
            value TEXT NOT NULL
        )""",
    )


def apply_migrations(db: Database) -> None:
    migrations.apply(db)
