import { Collection } from 'fireorm';

export const USER_STATUSES = ['active', 'disabled'] as const;
export type UserStatus = (typeof USER_STATUSES)[number];

/** An account in the "users" collection; the document id is the normalized username. */
@Collection('users')
export class User {
  /** The normalized username (see parseUsername). */
  id!: string;

  /** The username as it was typed at creation, for display. */
  username!: string;

  /** A bcrypt hash, which records its own cost and salt. */
  passwordHash!: string;

  status!: UserStatus;

  createdAt!: Date;

  /** When the user last logged in, or null before the first login. */
  lastLoginAt!: Date | null;
}

export function isActive(user: User): boolean {
  return user.status === 'active';
}
