import type { ApiRequest, ApiRequester } from '../types.js';
import type {
  AccessLink,
  AlternativeDomain,
  ConversionGoal,
  CreateAccessLinkInput,
  CreateAlternativeDomainInput,
  CreateClientInput,
  CreatedOAuthClient,
  CreateDomainInput,
  CreateEmailReportInput,
  CreateFunnelInput,
  CreateGoalInput,
  CreateShortLinkInput,
  CreateTrafficFilterInput,
  CreateViewInput,
  CreateWebhookInput,
  Domain,
  DomainSettings,
  EmailReport,
  Funnel,
  IdentificationCode,
  Invitation,
  ListDomainsOptions,
  Member,
  MemberRole,
  OAuthClient,
  RegexMatch,
  SearchOptions,
  Settings,
  ShortLink,
  Snippet,
  SnippetType,
  TestRegexInput,
  TrafficFilter,
  UpdateAccessLinkInput,
  UpdateAlternativeDomainInput,
  UpdateClientInput,
  UpdateEmailReportInput,
  UpdateFunnelInput,
  UpdateGoalInput,
  UpdateShortLinkInput,
  UpdateSnippetInput,
  UpdateTrafficFilterInput,
  UpdateViewInput,
  UpdateWebhookInput,
  View,
  Webhook,
} from './types.js';

/**
 * Domains (sites) and their settings. Most calls need a user client; a domain client sees only
 * its own domain.
 *
 * @example
 * const [domain] = await client.domains.list();
 */
export interface DomainsApi {
  /**
   * The domains the client can access, or those matching `options` (`search` on the hostname,
   * or one by `id`, `subdomain`, custom `domain` or `access` code). `GET /api/v1/domain`
   */
  list(options?: ListDomainsOptions): Promise<Domain[]>;
  /** Adds a domain. `POST /api/v1/domain` */
  create(input: CreateDomainInput): Promise<Domain>;
  /** Deletes a domain. `DELETE /api/v1/domain?id=` */
  delete(id: string): Promise<void>;
  /** Resets the identification code and returns the new one. `PUT /api/v1/domain` */
  resetIdentificationCode(id: string): Promise<IdentificationCode>;
  /** `POST /api/v1/domain/hostname` */
  updateHostname(domainId: string, hostname: string): Promise<void>;
  /** Sets the dashboard's subdomain (`<subdomain>.pirsch.io`). `POST /api/v1/domain/subdomain` */
  updateSubdomain(domainId: string, subdomain: string): Promise<void>;
  /** `POST /api/v1/domain/name` */
  updateDisplayName(domainId: string, displayName: string): Promise<void>;
  /**
   * Toggles the dashboard between private and public. `POST /api/v1/domain/public` (the 2022
   * document said `domain/subdomain`, a slip; the current one labels its body a response).
   */
  togglePublic(domainId: string): Promise<void>;
  /** Toggles whether the scripts may send data for the domain. `POST /api/v1/domain/scripts` */
  toggleScripts(domainId: string): Promise<void>;
  /** Toggles grouping statistics by page title. `POST /api/v1/domain/title` */
  toggleGroupByTitle(domainId: string): Promise<void>;
  /** Toggles starting the week on Sunday (else Monday). `POST /api/v1/domain/start-week-sunday` */
  toggleStartWeekSunday(domainId: string): Promise<void>;
  /** How many seconds a visitor counts as active. `POST /api/v1/domain/active` */
  updateActiveVisitorsTime(domainId: string, seconds: number): Promise<void>;
  /** Sets the dashboard's time zone, e.g. `Europe/Berlin`. `POST /api/v1/domain/timezone` */
  updateTimezone(domainId: string, timezone: string): Promise<void>;
  /** The dashboard's section switches. `POST /api/v1/domain/settings` */
  updateSettings(domainId: string, settings: DomainSettings): Promise<void>;
  /** A free JSON object kept with the domain, for your own use. `POST /api/v1/domain/metadata` */
  updateMetadata(domainId: string, metadata: Settings): Promise<void>;
  /** Toggles the public dashboard's noindex meta element. `PUT /api/v1/domain/noindex` (a PUT, unlike the other toggles) */
  toggleNoindex(domainId: string): Promise<void>;
  /** Sets the dashboard's base theme; resolves with the theme settings. `PUT /api/v1/domain/theme` */
  setTheme(domainId: string, themeId: string): Promise<Settings>;
  /** Serves the dashboard on your own hostname. `POST /api/v1/domain/custom` */
  setCustomDomain(domainId: string, hostname: string): Promise<void>;
  /**
   * Asks whether a custom domain is taken (one dashboard each). `GET /api/v1/domain/custom?domain=`.
   * The document gives no answer: it resolves with what the API sends.
   */
  customDomainExists(hostname: string): Promise<unknown>;
}

/** Links with read access to a dashboard. */
export interface AccessLinksApi {
  /** `GET /api/v1/domain/link?domain_id=` */
  list(domainId: string): Promise<AccessLink[]>;
  /** `POST /api/v1/domain/link` */
  create(input: CreateAccessLinkInput): Promise<AccessLink>;
  /** Changes the description and expiry. `PUT /api/v1/domain/link` */
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

/** Open invitations to a domain (accepting one needs the invited user's own login). */
export interface InvitationsApi {
  /** `GET /api/v1/invitation?domain_id=` */
  list(domainId: string): Promise<Invitation[]>;
  /** `DELETE /api/v1/invitation` with `{ id, domain_id }` as body (the document has a body on this DELETE). */
  delete(id: string, domainId: string): Promise<void>;
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

/** Conversion goals: a path pattern, an event (with a meta pair), a custom metric. */
export interface GoalsApi {
  /** `GET /api/v1/goal?id=<domain id>&search=` */
  list(domainId: string, options?: SearchOptions): Promise<ConversionGoal[]>;
  /** `POST /api/v1/goal` */
  create(input: CreateGoalInput): Promise<ConversionGoal>;
  /** `PUT /api/v1/goal` */
  update(input: UpdateGoalInput): Promise<ConversionGoal>;
  /** `DELETE /api/v1/goal?id=` */
  delete(id: string): Promise<void>;
  /** Whether a regular expression is valid and matches `sample` (an invalid one rejects). `POST /api/v1/goal/regex` */
  testRegex(input: TestRegexInput): Promise<RegexMatch>;
}

/** Funnels: read their numbers with `statistics.funnel({ ..., funnel_id })`. */
export interface FunnelsApi {
  /** `GET /api/v1/funnel?id=<domain id>&search=` */
  list(domainId: string, options?: SearchOptions): Promise<Funnel[]>;
  /** `POST /api/v1/funnel` without `id` */
  create(input: CreateFunnelInput): Promise<Funnel>;
  /** `POST /api/v1/funnel` with `id` */
  update(input: UpdateFunnelInput): Promise<Funnel>;
  /** `DELETE /api/v1/funnel?id=` */
  delete(id: string): Promise<void>;
  /** `GET /api/v1/funnel/tags?id=<domain id>&search=` */
  tags(domainId: string, options?: SearchOptions): Promise<string[]>;
}

/** Webhooks called when an event is sent. */
export interface WebhooksApi {
  /** `GET /api/v1/webhook?domain_id=` */
  list(domainId: string): Promise<Webhook[]>;
  /** `POST /api/v1/webhook` without `id` */
  create(input: CreateWebhookInput): Promise<Webhook>;
  /** `POST /api/v1/webhook` with `id`; also enables a webhook disabled after failed requests. */
  update(input: UpdateWebhookInput): Promise<Webhook>;
  /** `DELETE /api/v1/webhook?id=` */
  delete(id: string): Promise<void>;
}

/** Traffic filters: requests matching them are not counted. */
export interface TrafficFiltersApi {
  /** `GET /api/v1/filter?domain_id=` */
  list(domainId: string): Promise<TrafficFilter[]>;
  /** `POST /api/v1/filter` without `id` */
  create(input: CreateTrafficFilterInput): Promise<TrafficFilter>;
  /** `POST /api/v1/filter` with `id` */
  update(input: UpdateTrafficFilterInput): Promise<TrafficFilter>;
  /** `DELETE /api/v1/filter?id=` */
  delete(id: string): Promise<void>;
}

/** A notification switch with a threshold: traffic spikes and traffic warnings. */
export interface TrafficNotificationApi {
  /** Turns the notifications on or off. `PUT` */
  toggle(domainId: string): Promise<void>;
  /** Sets the threshold (turn them on with `toggle`). `POST` */
  configure(domainId: string, threshold: number): Promise<void>;
}

/** Other hostnames allowed to send traffic to a dashboard (add them at the receiving end). */
export interface AlternativeDomainsApi {
  /** `GET /api/v1/domain/alternative?domain_id=` */
  list(domainId: string): Promise<AlternativeDomain[]>;
  /** `POST /api/v1/domain/alternative` */
  create(input: CreateAlternativeDomainInput): Promise<AlternativeDomain>;
  /** `PUT /api/v1/domain/alternative` */
  update(input: UpdateAlternativeDomainInput): Promise<void>;
  /** `DELETE /api/v1/domain/alternative?id=` */
  delete(id: string): Promise<void>;
}

/** The settings of the dashboard's JavaScript snippets. */
export interface SnippetsApi {
  /** `GET /api/v1/domain/snippet?domain_id=&type=` */
  get(domainId: string, type: SnippetType): Promise<Snippet>;
  /** `POST /api/v1/domain/snippet` */
  update(input: UpdateSnippetInput): Promise<void>;
}

/** Saved views (filter and period) of a dashboard. */
export interface ViewsApi {
  /**
   * `GET /api/v1/view?domain_id=&search=` (the document's example joins the two with a second
   * `?`, a slip: they are two parameters).
   */
  list(domainId: string, options?: SearchOptions): Promise<View[]>;
  /** `POST /api/v1/view` without `id` */
  create(input: CreateViewInput): Promise<View>;
  /** `POST /api/v1/view` with `id` */
  update(input: UpdateViewInput): Promise<View>;
  /** `DELETE /api/v1/view?id=` */
  delete(id: string): Promise<void>;
}

/** Short links of a domain, each counted as an event. */
export interface ShortLinksApi {
  /** `GET /api/v1/link?id=<domain id>&search=` */
  list(domainId: string, options?: SearchOptions): Promise<ShortLink[]>;
  /** `POST /api/v1/link` without `id` */
  create(input: CreateShortLinkInput): Promise<ShortLink>;
  /** `POST /api/v1/link` with `id` */
  update(input: UpdateShortLinkInput): Promise<ShortLink>;
  /** `DELETE /api/v1/link?id=` */
  delete(id: string): Promise<void>;
  /** `GET /api/v1/link/tags?id=<domain id>&search=` */
  tags(domainId: string, options?: SearchOptions): Promise<string[]>;
}

/** The management namespaces of the client. */
export interface ManagementApi {
  domains: DomainsApi;
  accessLinks: AccessLinksApi;
  members: MembersApi;
  invitations: InvitationsApi;
  clients: ClientsApi;
  reports: ReportsApi;
  goals: GoalsApi;
  funnels: FunnelsApi;
  webhooks: WebhooksApi;
  trafficFilters: TrafficFiltersApi;
  /** Traffic spike notifications: `threshold` is the visitors on the site at once. `/api/v1/traffic/spike` */
  trafficSpikes: TrafficNotificationApi;
  /** Traffic warnings: `threshold` is the days without traffic before one is sent. `/api/v1/traffic/warning` */
  trafficWarnings: TrafficNotificationApi;
  alternativeDomains: AlternativeDomainsApi;
  snippets: SnippetsApi;
  views: ViewsApi;
  shortLinks: ShortLinksApi;
}

/** The `search` option as a query parameter (left out when unset). */
function searchQuery(options: SearchOptions | undefined): { search?: string } {
  return options?.search === undefined ? {} : { search: options.search };
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
  const INVITATION = '/api/v1/invitation';
  const CLIENT = '/api/v1/client';
  const REPORT = '/api/v1/report';
  const GOAL = '/api/v1/goal';
  const FUNNEL = '/api/v1/funnel';
  const WEBHOOK = '/api/v1/webhook';
  const FILTER = '/api/v1/filter';
  const ALTERNATIVE = '/api/v1/domain/alternative';
  const SNIPPET = '/api/v1/domain/snippet';
  const VIEW = '/api/v1/view';
  const SHORT_LINK = '/api/v1/link';

  /** A toggle or setting of a domain: `POST /api/v1/domain/<path>` with the domain ID and `fields`. */
  const setting = (call: string, path: string, domainId: string, fields: Record<string, unknown> = {}) =>
    done(post(`domains.${call}`, `${DOMAIN}/${path}`, { domain_id: domainId, ...fields }));
  const notification = (name: 'trafficSpikes' | 'trafficWarnings', path: string): TrafficNotificationApi => ({
    toggle: (domainId) => done(put(`${name}.toggle`, path, { domain_id: domainId })),
    configure: (domainId, threshold) => done(post(`${name}.configure`, path, { domain_id: domainId, threshold })),
  });

  return {
    domains: {
      list: async (options) => {
        const query: Record<string, string> = {};
        for (const key of ['search', 'id', 'subdomain', 'domain', 'access'] as const) {
          const value = options?.[key];
          if (value !== undefined) query[key] = value;
        }
        const answer = await get<Domain[] | Domain>('domains.list', DOMAIN, options === undefined ? undefined : query);
        // A lookup by one key is answered with one domain in the document's sample.
        return Array.isArray(answer) ? answer : answer === undefined || answer === null ? [] : [answer];
      },
      create: (input) => post<Domain>('domains.create', DOMAIN, input),
      delete: (id) => del('domains.delete', DOMAIN, id),
      resetIdentificationCode: (id) => put<IdentificationCode>('domains.resetIdentificationCode', DOMAIN, { id }),
      updateHostname: (domainId, hostname) => setting('updateHostname', 'hostname', domainId, { hostname }),
      updateSubdomain: (domainId, subdomain) => setting('updateSubdomain', 'subdomain', domainId, { subdomain }),
      updateDisplayName: (domainId, displayName) => setting('updateDisplayName', 'name', domainId, { display_name: displayName }),
      togglePublic: (domainId) => setting('togglePublic', 'public', domainId),
      toggleScripts: (domainId) => setting('toggleScripts', 'scripts', domainId),
      toggleGroupByTitle: (domainId) => setting('toggleGroupByTitle', 'title', domainId),
      toggleStartWeekSunday: (domainId) => setting('toggleStartWeekSunday', 'start-week-sunday', domainId),
      updateActiveVisitorsTime: (domainId, seconds) => setting('updateActiveVisitorsTime', 'active', domainId, { time: seconds }),
      updateTimezone: (domainId, timezone) => setting('updateTimezone', 'timezone', domainId, { timezone }),
      updateSettings: (domainId, settings) => setting('updateSettings', 'settings', domainId, { settings }),
      updateMetadata: (domainId, metadata) => setting('updateMetadata', 'metadata', domainId, { metadata }),
      toggleNoindex: (domainId) => done(put('domains.toggleNoindex', `${DOMAIN}/noindex`, { domain_id: domainId })),
      setTheme: (domainId, themeId) => put<Settings>('domains.setTheme', `${DOMAIN}/theme`, { domain_id: domainId, theme_id: themeId }),
      setCustomDomain: (domainId, hostname) => setting('setCustomDomain', 'custom', domainId, { hostname }),
      customDomainExists: (hostname) => get<unknown>('domains.customDomainExists', `${DOMAIN}/custom`, { domain: hostname }),
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
    invitations: {
      list: (domainId) => get<Invitation[]>('invitations.list', INVITATION, { domain_id: domainId }),
      delete: (id, domainId) =>
        done(request<unknown>({ method: 'DELETE', path: INVITATION, body: { id, domain_id: domainId }, idempotent: true, call: 'invitations.delete' })),
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
      list: (domainId, options) => get<ConversionGoal[]>('goals.list', GOAL, { id: domainId, ...searchQuery(options) }),
      create: (input) => post<ConversionGoal>('goals.create', GOAL, input),
      update: (input) => put<ConversionGoal>('goals.update', GOAL, input),
      delete: (id) => del('goals.delete', GOAL, id),
      testRegex: (input) => post<RegexMatch>('goals.testRegex', `${GOAL}/regex`, input),
    },
    funnels: {
      list: (domainId, options) => get<Funnel[]>('funnels.list', FUNNEL, { id: domainId, ...searchQuery(options) }),
      create: (input) => post<Funnel>('funnels.create', FUNNEL, input),
      update: (input) => post<Funnel>('funnels.update', FUNNEL, input),
      delete: (id) => del('funnels.delete', FUNNEL, id),
      tags: (domainId, options) => get<string[]>('funnels.tags', `${FUNNEL}/tags`, { id: domainId, ...searchQuery(options) }),
    },
    webhooks: {
      list: (domainId) => get<Webhook[]>('webhooks.list', WEBHOOK, { domain_id: domainId }),
      create: (input) => post<Webhook>('webhooks.create', WEBHOOK, input),
      update: (input) => post<Webhook>('webhooks.update', WEBHOOK, input),
      delete: (id) => del('webhooks.delete', WEBHOOK, id),
    },
    trafficFilters: {
      list: (domainId) => get<TrafficFilter[]>('trafficFilters.list', FILTER, { domain_id: domainId }),
      create: (input) => post<TrafficFilter>('trafficFilters.create', FILTER, input),
      update: (input) => post<TrafficFilter>('trafficFilters.update', FILTER, input),
      delete: (id) => del('trafficFilters.delete', FILTER, id),
    },
    trafficSpikes: notification('trafficSpikes', '/api/v1/traffic/spike'),
    trafficWarnings: notification('trafficWarnings', '/api/v1/traffic/warning'),
    alternativeDomains: {
      list: (domainId) => get<AlternativeDomain[]>('alternativeDomains.list', ALTERNATIVE, { domain_id: domainId }),
      create: (input) => post<AlternativeDomain>('alternativeDomains.create', ALTERNATIVE, input),
      update: (input) => done(put('alternativeDomains.update', ALTERNATIVE, input)),
      delete: (id) => del('alternativeDomains.delete', ALTERNATIVE, id),
    },
    snippets: {
      get: (domainId, type) => get<Snippet>('snippets.get', SNIPPET, { domain_id: domainId, type }),
      update: (input) => done(post('snippets.update', SNIPPET, input)),
    },
    views: {
      list: (domainId, options) => get<View[]>('views.list', VIEW, { domain_id: domainId, ...searchQuery(options) }),
      create: (input) => post<View>('views.create', VIEW, input),
      update: (input) => post<View>('views.update', VIEW, input),
      delete: (id) => del('views.delete', VIEW, id),
    },
    shortLinks: {
      list: (domainId, options) => get<ShortLink[]>('shortLinks.list', SHORT_LINK, { id: domainId, ...searchQuery(options) }),
      create: (input) => post<ShortLink>('shortLinks.create', SHORT_LINK, input),
      update: (input) => post<ShortLink>('shortLinks.update', SHORT_LINK, input),
      delete: (id) => del('shortLinks.delete', SHORT_LINK, id),
      tags: (domainId, options) => get<string[]>('shortLinks.tags', `${SHORT_LINK}/tags`, { id: domainId, ...searchQuery(options) }),
    },
  };
}
