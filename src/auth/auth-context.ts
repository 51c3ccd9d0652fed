/** What a guarded route learns about its caller (`@CurrentAuth()`). */
export interface AuthContext {
  userId: number;
  sessionId: string;
  roles: string[];
  /** The organization the session works in, when its token names one. */
  organizationId?: number;
  isBackoffice: boolean;
}

declare module 'express' {
  interface Request {
    auth?: AuthContext;
  }
}
