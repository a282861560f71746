//! placeholder: the engine (diff, plan, graph, executor, journal).
