// Roles and permissions as the UI reads them: what I may do in a server
// (pq-core computes it), how high someone ranks, and the colour their name
// takes from their roles. The server decides; this only hides what would be
// refused.

import type { CachedServer, Permission, RoleId, ServerRole, UserId } from "../bindings";

/// Whether I may do `p` in `server`.
export function can(server: CachedServer | undefined, p: Permission): boolean {
  return !!server && server.permissions.includes(p);
}

/// Someone's rank: above everyone for the owner, else their highest role's.
export function rank(server: CachedServer, userId: UserId, held: readonly RoleId[]): number {
  if (server.server.owner_id === userId) return Number.POSITIVE_INFINITY;
  return server.roles.reduce((top, r) => (held.includes(r.id) ? Math.max(top, r.position) : top), 0);
}

/// My rank in `server`.
export function myRank(server: CachedServer, me: UserId | undefined): number {
  return me ? rank(server, me, server.my_roles) : 0;
}

/// The roles someone holds, highest first (without @everyone).
export function heldRoles(server: CachedServer | undefined, held: readonly RoleId[]): ServerRole[] {
  if (!server) return [];
  return server.roles.filter((r) => held.includes(r.id)).sort((a, b) => b.position - a.position);
}

/// A colour as CSS (`#rrggbb`).
export function hex(color: number): string {
  return `#${color.toString(16).padStart(6, "0")}`;
}

/// The colour of someone's name: their highest role that has one.
export function nameColor(server: CachedServer | undefined, held: readonly RoleId[] | undefined): string | undefined {
  const top = heldRoles(server, held ?? []).find((r) => r.color !== 0);
  return top ? hex(top.color) : undefined;
}

/// Whether `role` is the server's @everyone.
export function isEveryone(server: CachedServer, role: ServerRole): boolean {
  return role.id === server.server.id;
}

/// Every permission, in the order the role editor lists them.
export const PERMISSIONS: Permission[] = [
  "administrator",
  "manage_server",
  "manage_roles",
  "manage_channels",
  "manage_invites",
  "create_invites",
  "kick_members",
  "ban_members",
  "manage_messages",
  "send_messages",
  "connect",
  "speak",
  "mute_members",
  "move_members",
  "manage_events",
  "mention_everyone",
];
