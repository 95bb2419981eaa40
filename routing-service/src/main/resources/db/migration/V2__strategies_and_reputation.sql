-- Routing strategies: every change is a new version, so history is complete and a rollback is one more version.
create table routing_strategies (
    tenant      text        not null,
    service     text        not null,
    environment text        not null,
    version     integer     not null,
    spec        jsonb       not null,
    actor       text        not null,
    rollback_of integer,
    created_at  timestamptz not null default now(),
    primary key (tenant, service, environment, version)
);

-- Outcomes of calls to each node, counted per time window.
create table node_outcomes (
    tenant             text        not null,
    service            text        not null,
    node               text        not null,
    window_start       timestamptz not null,
    successes          bigint      not null,
    failures           bigint      not null,
    latency_sum_micros bigint      not null,
    latency_max_micros bigint      not null,
    primary key (tenant, service, node, window_start)
);

create index node_outcomes_window on node_outcomes (window_start);

-- Nodes that were ejected: until when, how many times in a row, and from when they are judged again.
create table node_ejections (
    tenant        text             not null,
    service       text             not null,
    node          text             not null,
    ejected_at    timestamptz      not null,
    ejected_until timestamptz      not null,
    times         integer          not null,
    failure_rate  double precision not null,
    primary key (tenant, service, node)
);

-- How far the aggregation has read each ring of the trace buffer; advanced in the same transaction as the counts,
-- so that each outcome is counted once whatever the number of routing replicas.
create table outcome_checkpoints (
    ring       text        primary key,
    sequence   bigint      not null,
    updated_at timestamptz not null default now()
);
