// Generated from pq's Rust types by ts-rs. DO NOT EDIT: run
// `PQ_BLESS=1 cargo test -p pq-desktop --test bindings` after changing them.
import type { IceCandidate } from "./IceCandidate";
import type { SdpType } from "./SdpType";

/**
 * A WebRTC negotiation message.
 */
export type Signal = { "kind": "description", 
/**
 * `offer`, `answer`, `pranswer` or `rollback`.
 */
sdp_type: SdpType, 
/**
 * The SDP text.
 */
sdp: string, } | { "kind": "candidates", 
/**
 * New candidates, in the order they were gathered.
 */
candidates: Array<IceCandidate>, 
/**
 * No more candidates will follow for this ICE generation.
 */
done: boolean, };
