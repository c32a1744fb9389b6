import type { ApiRequest, ApiRequester } from '../types.js';
import type {
  AccessLink,
  ConversionGoal,
  CreateAccessLinkInput,
  CreateClientInput,
  CreatedOAuthClient,
  CreateDomainInput,
  CreateEmailReportInput,
  CreateGoalInput,
  Domain,
  EmailReport,
  IdentificationCode,
  Member,
  MemberRole,
  OAuthClient,
  UpdateAccessLinkInput,
  UpdateClientInput,
  UpdateEmailReportInput,
  UpdateGoalInput,
} from './types.js';

/**
 * Domains (sites). Most calls need a user client; a domain client sees only its own domain.
 *
 * @example
 * const [domain] = await client.domains.list();
 */
export interface DomainsApi {
  /** The domains the client can access. `GET /api/v1/domain` */
  list(): Promise<Domain[]>;
  /** Adds a domain. `POST /api/v1/domain` */
  create(input: CreateDomainInput): Promise<Domain>;
  /** Deletes a domain. `DELETE /api/v1/domain?id=` */
  delete(id: string): Promise<void>;
  /** Resets the identification code and returns the new one. `PUT /api/v1/domain` */
  resetIdentificationCode(id: string): Promise<IdentificationCode>;
  /** Sets the dashboard's subdomain (`<subdomain>.pirsch.io`). `POST /api/v1/domain/subdomain` */
  updateSubdomain(domainId: string, subdomain: string): Promise<void>;
  /** Toggles the dashboard between private and public. `POST /api/v1/domain/public` */
  togglePublic(domainId: string): Promise<void>;
  /** Toggles grouping statistics by page title. `POST /api/v1/domain/title` */
  toggleGroupByTitle(domainId: string): Promise<void>;
  /** Sets the dashboard's time zone, e.g. `Europe/Berlin`. `POST /api/v1/domain/timezone` */
  updateTimezone(domainId: string, timezone: string): Promise<void>;
}

/** Links with read access to a dashboard. */
export interface AccessLinksApi {
  /** `GET /api/v1/domain/link?domain_id=` */
  list(domainId: string): Promise<AccessLink[]>;
  /** `POST /api/v1/domain/link` */
  create(input: CreateAccessLinkInput): Promise<AccessLink>;
  /** Changes the description. `PUT /api/v1/domain/link` */
  update(input: UpdateAccessLinkInput): Promise<void>;
  /** `DELETE /api/v1/domain/link?id=` */
  delete(id: string): Promise<void>;
}

/** Members of a domain and their roles. */
export interface MembersApi {
  /** `GET /api/v1/member?id=<domain id>` */
  list(domainId: string): Promise<Member[]>;
  /** Invites people by email; they join as viewers. `POST /api/v1/member` */
  invite(domainId: string, emails: string[]): Promise<void>;
  /** `PUT /api/v1/member` */
  updateRole(memberId: string, role: MemberRole): Promise<void>;
  /** `DELETE /api/v1/member?id=` */
  remove(memberId: string): Promise<void>;
}

/** API clients of a domain (manageable with a user client). */
export interface ClientsApi {
  /** `GET /api/v1/client?id=<domain id>` */
  list(domainId: string): Promise<OAuthClient[]>;
  /** Creates a client; the answer holds its secret, which is never shown again. `POST /api/v1/client` */
  create(input: CreateClientInput): Promise<CreatedOAuthClient>;
  /** Changes the description. `POST /api/v1/client` (a POST, as the API has it) */
  update(input: UpdateClientInput): Promise<OAuthClient>;
  /** `DELETE /api/v1/client?id=` */
  delete(id: string): Promise<void>;
}

/** Email reports. */
export interface ReportsApi {
  /** `GET /api/v1/report?id=<domain id>` */
  list(domainId: string): Promise<EmailReport[]>;
  /** Creates one report per address. `POST /api/v1/report` */
  create(input: CreateEmailReportInput): Promise<EmailReport[]>;
  /** `PUT /api/v1/report` */
  update(input: UpdateEmailReportInput): Promise<EmailReport>;
  /** `DELETE /api/v1/report?id=` */
  delete(id: string): Promise<void>;
}

/** Conversion goals. */
export interface GoalsApi {
  /** `GET /api/v1/goal?id=<domain id>` */
  list(domainId: string): Promise<ConversionGoal[]>;
  /** `POST /api/v1/goal` */
  create(input: CreateGoalInput): Promise<ConversionGoal>;
  /** `PUT /api/v1/goal` */
  update(input: UpdateGoalInput): Promise<ConversionGoal>;
  /** `DELETE /api/v1/goal?id=` */
  delete(id: string): Promise<void>;
}

/** The management namespaces of the client. */
export interface ManagementApi {
  domains: DomainsApi;
  accessLinks: AccessLinksApi;
  members: MembersApi;
  clients: ClientsApi;
  reports: ReportsApi;
  goals: GoalsApi;
}

/**
 * Builds the management namespaces on a requester. GETs, PUTs and DELETEs by id are marked
 * idempotent (retried); POSTs are not, so nothing is created twice.
 */
export function createManagementApi(request: ApiRequester): ManagementApi {
  // async, so that even a requester that throws synchronously yields a rejected promise
  const get = async <T>(call: string, path: string, query?: ApiRequest['query']) =>
    request<T>({ method: 'GET', path, query, idempotent: true, call });
  const post = async <T>(call: string, path: string, body: unknown) => request<T>({ method: 'POST', path, body, idempotent: false, call });
  const put = async <T>(call: string, path: string, body: unknown) => request<T>({ method: 'PUT', path, body, idempotent: true, call });
  const del = async (call: string, path: string, id: string) => {
    await request<unknown>({ method: 'DELETE', path, query: { id }, idempotent: true, call });
  };
  const done = async (pending: Promise<unknown>) => {
    await pending;
  };

  const DOMAIN = '/api/v1/domain';
  const LINK = '/api/v1/domain/link';
  const MEMBER = '/api/v1/member';
  const CLIENT = '/api/v1/client';
  const REPORT = '/api/v1/report';
  const GOAL = '/api/v1/goal';

  return {
    domains: {
      list: () => get<Domain[]>('domains.list', DOMAIN),
      create: (input) => post<Domain>('domains.create', DOMAIN, input),
      delete: (id) => del('domains.delete', DOMAIN, id),
      resetIdentificationCode: (id) => put<IdentificationCode>('domains.resetIdentificationCode', DOMAIN, { id }),
      updateSubdomain: (domainId, subdomain) =>
        done(post('domains.updateSubdomain', `${DOMAIN}/subdomain`, { domain_id: domainId, subdomain })),
      togglePublic: (domainId) => done(post('domains.togglePublic', `${DOMAIN}/public`, { domain_id: domainId })),
      toggleGroupByTitle: (domainId) => done(post('domains.toggleGroupByTitle', `${DOMAIN}/title`, { domain_id: domainId })),
      updateTimezone: (domainId, timezone) =>
        done(post('domains.updateTimezone', `${DOMAIN}/timezone`, { domain_id: domainId, timezone })),
    },
    accessLinks: {
      list: (domainId) => get<AccessLink[]>('accessLinks.list', LINK, { domain_id: domainId }),
      create: (input) => post<AccessLink>('accessLinks.create', LINK, input),
      update: (input) => done(put('accessLinks.update', LINK, input)),
      delete: (id) => del('accessLinks.delete', LINK, id),
    },
    members: {
      list: (domainId) => get<Member[]>('members.list', MEMBER, { id: domainId }),
      invite: (domainId, emails) => done(post('members.invite', MEMBER, { id: domainId, emails })),
      updateRole: (memberId, role) => done(put('members.updateRole', MEMBER, { id: memberId, role })),
      remove: (memberId) => del('members.remove', MEMBER, memberId),
    },
    clients: {
      list: (domainId) => get<OAuthClient[]>('clients.list', CLIENT, { id: domainId }),
      create: (input) => post<CreatedOAuthClient>('clients.create', CLIENT, input),
      update: (input) => post<OAuthClient>('clients.update', CLIENT, input),
      delete: (id) => del('clients.delete', CLIENT, id),
    },
    reports: {
      list: (domainId) => get<EmailReport[]>('reports.list', REPORT, { id: domainId }),
      create: (input) => post<EmailReport[]>('reports.create', REPORT, input),
      update: (input) => put<EmailReport>('reports.update', REPORT, input),
      delete: (id) => del('reports.delete', REPORT, id),
    },
    goals: {
      list: (domainId) => get<ConversionGoal[]>('goals.list', GOAL, { id: domainId }),
      create: (input) => post<ConversionGoal>('goals.create', GOAL, input),
      update: (input) => put<ConversionGoal>('goals.update', GOAL, input),
      delete: (id) => del('goals.delete', GOAL, id),
    },
  };
}
