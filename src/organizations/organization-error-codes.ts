/** Machine-readable codes of the organization routes. */
export enum OrganizationErrorCode {
  ORGANIZATION_NOT_DELETED = 'ORGANIZATION_NOT_DELETED',
}
