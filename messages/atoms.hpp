// fetchsum's atoms: the tags of messages that carry no struct of their own.
// Declared apart from the type-ID block (messages/type_ids.hpp) because the
// typed handles in messages/interfaces.hpp name them, and the block
// registers those handles.
#pragma once

#include <caf/type_id.hpp>

/// Supervisor -> source: hand out more URLs.
CAF_ADD_ATOM(fetchsum, fetchsum, pull_atom, "pull")
/// main -> supervisor: begin the run.
CAF_ADD_ATOM(fetchsum, fetchsum, start_atom, "start")
/// Signal thread -> supervisor: stop admitting, grace for in-flight.
CAF_ADD_ATOM(fetchsum, fetchsum, interrupt_atom, "interrupt")
/// Supervisor -> itself: grace over.
CAF_ADD_ATOM(fetchsum, fetchsum, abort_atom, "abort")
/// Supervisor -> fetcher: abort one transfer.
CAF_ADD_ATOM(fetchsum, fetchsum, cancel_atom, "cancel")
/// main -> aggregator: reply when the run is complete.
CAF_ADD_ATOM(fetchsum, fetchsum, await_atom, "await")
/// Supervisor -> itself: a backoff delay ended, try URL `url_seq` again.
CAF_ADD_ATOM(fetchsum, fetchsum, retry_atom, "retry")
/// Supervisor -> itself: a host paused by Retry-After may go on.
CAF_ADD_ATOM(fetchsum, fetchsum, resume_atom, "resume")

/// Cluster -> node: a coordinator joins and asks for a worker group;
/// cluster -> supervisor: a node's worker group joins the run.
CAF_ADD_ATOM(fetchsum, fetchsum, join_atom, "join")
/// Supervisor -> itself: --node-wait ended without any node; if still none,
/// the URLs left end as no_node.
CAF_ADD_ATOM(fetchsum, fetchsum, abandon_atom, "abandon")
