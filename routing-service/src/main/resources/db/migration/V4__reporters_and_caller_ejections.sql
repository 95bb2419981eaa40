-- Who vouches for each outcome's caller (docs/routing.md, "Who may eject a node"): '' for a token bound to the caller
-- (and rows from before), '*' for tenant-wide tokens, which all count as one identity. A fleet-wide ejection needs
-- failures seen by two identities; a caller's own evidence ejects a node for that caller's routing only, kept in
-- node_ejections with the caller ('' is fleet-wide).
alter table node_outcomes add column reporter text not null default '';
alter table node_outcomes drop constraint node_outcomes_pkey;
alter table node_outcomes add primary key (tenant, service, node, window_start, caller, reporter);
alter table node_ejections add column caller text not null default '';
alter table node_ejections drop constraint node_ejections_pkey;
alter table node_ejections add primary key (tenant, service, node, caller);
