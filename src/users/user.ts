import { IsDate, IsIn, IsInt, IsNotEmpty, IsOptional, IsString, MaxLength, Min } from 'class-validator';
import { Collection } from 'fireorm';
import { IsUsername } from './username-constraint';

export const USER_STATUSES = ['active', 'disabled'] as const;
export type UserStatus = (typeof USER_STATUSES)[number];

// An IPv6 address with a zone is at most 45 characters; the margin covers proxies' odd forms.
const MAX_CLIENT_IP_LENGTH = 64;

/**
 * An account in the "users" collection; the document id is the normalized username. The
 * class-validator decorators are checked before every write (fireorm's validateModels).
 * The login fields marked optional are absent on documents written before they existed.
 */
@Collection('users')
export class User {
  /** The normalized username (see parseUsername). */
  id!: string;

  /** The username as it was typed at creation, for display. */
  @IsUsername()
  username!: string;

  /** A bcrypt hash, which records its own cost and salt. */
  @IsString()
  @IsNotEmpty()
  passwordHash!: string;

  @IsIn(USER_STATUSES)
  status!: UserStatus;

  @IsDate()
  createdAt!: Date;

  /** When the user last logged in, or null before the first login. */
  @IsOptional()
  @IsDate()
  lastLoginAt!: Date | null;

  /** The client address of the last login. */
  @IsOptional()
  @IsString()
  @MaxLength(MAX_CLIENT_IP_LENGTH)
  lastLoginIp?: string | null;

  /** The login before the last one, or null when there was none. */
  @IsOptional()
  @IsDate()
  previousLoginAt?: Date | null;

  /** The client address of the login before the last one. */
  @IsOptional()
  @IsString()
  @MaxLength(MAX_CLIENT_IP_LENGTH)
  previousLoginIp?: string | null;

  /** Wrong passwords given for this account since its last successful login. */
  @IsOptional()
  @IsInt()
  @Min(0)
  failedLoginsSinceLastLogin?: number;
}

export function isActive(user: User): boolean {
  return user.status === 'active';
}
