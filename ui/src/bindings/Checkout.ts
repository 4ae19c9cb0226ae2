// Generated from pq's Rust types by ts-rs. DO NOT EDIT: run
// `PQ_BLESS=1 cargo test -p pq-desktop --test bindings` after changing them.
/**
 * An order waiting for its payment: open `url` in the system browser.
 */
export type Checkout = { 
/**
 * The order (Toss's `orderId`).
 */
order_id: string, 
/**
 * What it costs, in Korean won (fixed by the server).
 */
amount_krw: number, 
/**
 * pq-server's checkout page for this order.
 */
url: string, };
