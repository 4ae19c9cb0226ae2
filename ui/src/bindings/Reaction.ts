// Generated from pq's Rust types by ts-rs. DO NOT EDIT: run
// `PQ_BLESS=1 cargo test -p pq-desktop --test bindings` after changing them.
/**
 * One reaction on a message, as a viewer sees it.
 */
export type Reaction = { 
/**
 * The emoji.
 */
emoji: string, 
/**
 * How many people reacted with it.
 */
count: number, 
/**
 * Whether you are one of them.
 */
me: boolean, };
