-- Outcomes are counted per caller service too, so that each caller's evidence about a node can be capped per window
-- (routing.max-calls-per-caller): no one caller outweighs the others by volume. Rows from before have no caller.
alter table node_outcomes add column caller text not null default '';
alter table node_outcomes drop constraint node_outcomes_pkey;
alter table node_outcomes add primary key (tenant, service, node, window_start, caller);
