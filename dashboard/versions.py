"""Data versions: what keys the dashboard's cache, so that a cached figure is never one a fresh computation would
not give (README, "Dashboard performance").

A topic (FIGURES, EVIDENCE, SNAPSHOTS, NAMES, LEARNING) has a version: a random token in ``DataVersion``, replaced by a fresh one after every
committed transaction that wrote to one of the topic's tables. Nothing has to remember to bump it: every statement
Django sends goes through ``watch`` (a database execute wrapper installed on each connection), and an INSERT,
UPDATE or DELETE on a watched table schedules the bump for when its transaction commits. So QuerySet.update(),
bulk_create(), the admin site and raw SQL through Django's cursor count as much as a model's save().

Why after the commit, and why this is enough: a reader reads the version first and computes afterwards. If it read
the old token, whatever it computed is stored under the old token, which no reader asks for once the bump is done.
If it read the new token, the write was already committed when it read, so its computation sees it. Inside the
writing transaction itself, before its commit, ``pending`` is true and readers there compute afresh, uncached.

A token, not a counter: a restored backup or a flushed test database never brings back a token a cache may hold.
A process that dies between its commit and the bump leaves the old token for at most DASHBOARD_CACHE_SECONDS, the
life of every cached entry.
"""

import functools
import logging
import re
import secrets

from django.conf import settings
from django.core.cache import cache
from django.db import DatabaseError, connection, transaction
from django.db.backends.signals import connection_created
from django.dispatch import receiver

FIGURES = "figures"
EVIDENCE = "evidence"
SNAPSHOTS = "snapshots"
NAMES = "names"
LEARNING = "learning"

#: The tables each topic is computed from. The figures depend on actions (status, dates, lead agency, plan), plans
#: (review, kind and agency: who may see them), reviews and agencies (the rows' names), and recommendations (their
#: responses and gaps); evidence awaiting audit on
#: the evidence too, a topic of its own so that an upload leaves the figures of the actions in the cache (what is
#: computed from both is kept under both versions). The names are what the action list's drop-downs offer
#: (reviews, agencies, agency users, themes): a write to an action leaves them in the cache. The dissemination matrix
#: (learning.selectors) is computed from the learning events, their themes and attendance, the themes and agencies;
#: the impact figures from the actions and their impact checks (both topics), a member's home page from the
#: sub-committees' members.
TABLES = {
    "actionplans_action": (FIGURES,),
    "actionplans_actionplan": (FIGURES,),
    "reviews_review": (FIGURES, NAMES),
    "reviews_recommendation": (FIGURES,),
    "accounts_agency": (FIGURES, NAMES, LEARNING),
    "accounts_user": (NAMES,),
    "reviews_theme": (NAMES, LEARNING),
    "learning_learningevent": (LEARNING,),
    "learning_learningevent_themes": (LEARNING,),
    "learning_attendance": (LEARNING,),
    "learning_impactcheck": (LEARNING,),
    "learning_subcommittee_members": (LEARNING,),
    "evidence_evidence": (EVIDENCE,),
    "dashboard_snapshot": (SNAPSHOTS,),
}
# "INSERT OR IGNORE INTO": SQLite's form of a many-to-many add() and of bulk_create(ignore_conflicts=True).
_WRITE = re.compile(r'\s*(?:INSERT\s+(?:OR\s+\w+\s+)?INTO|UPDATE|DELETE\s+FROM)\s+"?(\w+)"?', re.IGNORECASE)
_TABLE = "dashboard_dataversion"
logger = logging.getLogger(__name__)


def topics_of(sql):
    """The topics a statement writes to: none for reads, and for writes to tables nothing cached is computed from."""
    if sql[:1] not in "IUDiud " or not (match := _WRITE.match(sql)):
        return ()
    return TABLES.get(match.group(1), ())


def watch(execute, sql, params, many, context):
    """The execute wrapper: runs the statement, then schedules its topics' bumps for the commit."""
    result = execute(sql, params, many, context)
    if isinstance(sql, str) and _TABLE not in sql:
        for topic in topics_of(sql):
            schedule(topic, context["connection"])
    return result


@receiver(connection_created)
def _install(sender, connection, **kwargs):
    if watch not in connection.execute_wrappers:
        connection.execute_wrappers.append(watch)


def _bump_now(topic, using):
    """A fresh token for ``topic``: one autocommit statement, run after the commit of the writing transaction."""
    from django.db import connections

    try:
        with connections[using].cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {_TABLE} (name, token) VALUES (%s, %s) "  # noqa: S608 - our own table name
                "ON CONFLICT (name) DO UPDATE SET token = excluded.token",
                [topic, secrets.token_hex(16)],
            )
    except DatabaseError as error:
        if _TABLE in str(error):
            # Migrating a new database writes actions before this table exists: there is nothing cached to replace.
            return
        # The cached entries of the old version then stay for DASHBOARD_CACHE_SECONDS at most.
        logger.warning("The %s data version could not be bumped.", topic, exc_info=True)


def _pending_bumps(conn):
    return {f.args[0] for _, f, _ in conn.run_on_commit if getattr(f, "func", None) is _bump_now}


def schedule(topic, conn=None):
    """Bump ``topic`` when the current transaction commits (at once outside a transaction); once per transaction."""
    conn = conn or connection
    if conn.in_atomic_block and topic in _pending_bumps(conn):
        return
    transaction.on_commit(functools.partial(_bump_now, topic, conn.alias), using=conn.alias, robust=True)


def pending(topic):
    """Whether this connection's open transaction has written to ``topic`` and not committed yet: its readers must
    not use (or fill) the cache, which holds only committed data."""
    return connection.in_atomic_block and topic in _pending_bumps(connection)


def current(*topics):
    """The version of ``topics`` (one or more) to key a cache with, in one query, or None when a write of this very
    transaction is pending on one of them and nothing may be cached. A topic never written to yet gets its first
    version here."""
    if any(pending(topic) for topic in topics):
        return None
    select = f"SELECT name, token FROM {_TABLE} WHERE name IN ({', '.join(['%s'] * len(topics))})"  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(select, topics)
        tokens = dict(cursor.fetchall())
        missing = [topic for topic in topics if topic not in tokens]
        if missing:
            # Another reader may be doing the same: the first token in stays, and both read it.
            for topic in missing:
                cursor.execute(f"INSERT INTO {_TABLE} (name, token) VALUES (%s, %s) ON CONFLICT (name) DO NOTHING",  # noqa: S608
                               [topic, secrets.token_hex(16)])
            cursor.execute(select, topics)
            tokens = dict(cursor.fetchall())
    return ".".join(tokens[topic] for topic in topics)


def _entry(topics, key):
    """The cache entry's name for ``key`` under the current version of ``topics``; None while a write of this
    transaction is pending on one of them."""
    topics = (topics,) if isinstance(topics, str) else tuple(topics)
    version = current(*topics)
    return None if version is None else "dashboard:" + ":".join(str(part) for part in key) + f":{version}"


def cached(topics, key, compute):
    """``compute()``, kept in Django's cache under ``key`` (a tuple) and the current version of ``topics`` (one
    topic, or a tuple of the topics it is computed from); computed afresh, and not kept, while a write of this
    transaction is pending (``current``)."""
    name = _entry(topics, key)
    if name is None:
        return compute()
    value = _cache_get(name)
    if value is None:
        value = compute()
        try:
            cache.set(name, value, settings.DASHBOARD_CACHE_SECONDS)
        except Exception:  # a shared cache (CACHE_URL) not answering: the page is computed, only slower
            logger.warning("The cache did not keep %s", name, exc_info=True)
    return value


def _cache_get(name):
    """The cache's entry, or None when there is none or the shared cache (CACHE_URL) does not answer."""
    try:
        return cache.get(name)
    except Exception:
        logger.warning("The cache did not answer for %s; computing afresh", name, exc_info=True)
        return None


def peek(topics, key):
    """What ``cached`` keeps under ``key`` for the current version of ``topics``, or None: it never computes."""
    name = _entry(topics, key)
    return None if name is None else _cache_get(name)
