-- Every change an operator makes (strategies, rollbacks) is recorded here, per tenant, with who and when.
create table audit_trail (
    id          bigserial primary key,
    tenant      text        not null,
    actor       text        not null,
    action      text        not null,
    subject     text        not null,
    detail      jsonb       not null default '{}'::jsonb,
    recorded_at timestamptz not null default now()
);

create index audit_trail_tenant_time on audit_trail (tenant, recorded_at desc);
