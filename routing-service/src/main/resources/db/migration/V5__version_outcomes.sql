-- Outcomes per called service, environment and version (from outcomes that name the callee's version), per window,
-- caller and reporter, with a latency histogram (LatencyHistogram: 81 log-spaced buckets), so that the health of
-- each version (throughput, error rate, latency percentiles) can be read for any span of windows, and canaries judged
-- on it with the same per-caller rules as node reputation.
create table version_outcomes (
    tenant             text        not null,
    service            text        not null,
    environment        text        not null,
    version            text        not null,
    window_start       timestamptz not null,
    caller             text        not null,
    reporter           text        not null,
    successes          bigint      not null,
    failures           bigint      not null,
    latency_sum_micros bigint      not null,
    latency_max_micros bigint      not null,
    latency_buckets    bigint[]    not null,
    primary key (tenant, service, environment, version, window_start, caller, reporter)
);

create index version_outcomes_window on version_outcomes (window_start);
