-- Why a version was made, when Switchboard made it or it changed a running rollout: a progressive strategy's moves
-- (advanced, promoted, rolled back) with the figures that justified them, an operator's pause, resume, promotion or
-- abort, and a change that stopped a rollout.
alter table routing_strategies add column note jsonb;
