/** Machine-readable codes of the roles catalogue and of `roleKey` in a grant. */
export enum RoleErrorCode {
  UNKNOWN_ROLE = 'UNKNOWN_ROLE',
  ROLE_NOT_FOUND = 'ROLE_NOT_FOUND',
  ROLE_EXISTS = 'ROLE_EXISTS',
  ROLE_BUILT_IN = 'ROLE_BUILT_IN',
  ROLE_LIMIT_REACHED = 'ROLE_LIMIT_REACHED',
}
