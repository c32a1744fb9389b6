/**
 * Types of the read and management API, taken from the examples of the API document (v1). Field
 * names are the API's own (snake_case) so a response can be passed on unchanged. Timestamps are
 * RFC 3339 strings, as the API sends them.
 */

/** A calendar day: a `Date` (its UTC day is used) or a `YYYY-MM-DD` string. */
export type DateInput = Date | string;

/** The platform of a visitor as the API names it. */
export type Platform = 'desktop' | 'mobile' | 'unknown';

/**
 * A filter value as the API reads it. A string is matched as it is, or with a prefix: `!` for "is
 * not" (`'!/home'`), `~` for "contains" (`'~blog'`), `^` for "does not contain" (`'^blog'`). An
 * array is sent as the parameter repeated once per value (`?path=/a&path=/b`).
 */
export type FilterValue = string | readonly string[];

/** How results over time are grouped (`scale`). */
export type Scale = 'day' | 'week' | 'month' | 'year';

/** The type a custom metric's event meta value is parsed as. */
export type CustomMetricType = 'integer' | 'float';

/** The sort order of `sort`. */
export type SortDirection = 'asc' | 'desc';

/**
 * The filter of every statistics call, with every parameter of the document's Filter table (API
 * v1 as of July 2026). `from` and `to` take a `Date` (sent as its UTC day) or `YYYY-MM-DD`; `meta`
 * is sent as `meta_<key>=<value>` and `tags` as `tag_<key>=<value>` (only results with all pairs
 * count). A value out of the documented range (`limit` above 100, `start` above 3600, a `scale`
 * the API does not know, ...) is a `PirschConfigError` naming the field, before any request.
 *
 * @example
 * const filter: StatisticsFilter = { id: domain.id, from: '2021-05-08', to: new Date(), path: ['/home', '/about'], country: '!de' };
 */
export interface StatisticsFilter {
  /** The domain ID (see `domains.list()`). */
  id: string;
  /** First day, inclusive. */
  from: DateInput;
  /** Last day, inclusive. */
  to: DateInput;
  /** `HH:MM`: start of the time range grouped by minute; applies when `from` and `to` are the same day. */
  from_time?: string;
  /** `HH:MM`: end of the time range grouped by minute; applies when `from` and `to` are the same day. */
  to_time?: string;
  /** An IANA time zone, e.g. `Europe/Berlin`; the dashboard's when unset. */
  tz?: string;
  /** Query the past seconds instead of the date range (an integer, 1 to 3600). */
  start?: number;
  /** How results over time are grouped: `day` (the API's default), `week`, `month` or `year`. */
  scale?: Scale;
  /** The website's hostname (useful for a rollup view of several hostnames). */
  hostname?: FilterValue;
  path?: FilterValue;
  entry_path?: FilterValue;
  exit_path?: FilterValue;
  /** A regular expression (RE2 syntax) to filter and group pages (used with conversion goals). */
  pattern?: FilterValue;
  /** The name of an event. */
  event?: FilterValue;
  /** An event meta key, to break down a single event (`statistics.eventMetadata`). */
  event_meta_key?: FilterValue;
  /** Event metadata to filter for, sent as `meta_<key>=<value>`. */
  meta?: Record<string, FilterValue>;
  /** ISO-639-1 code, like `en`. */
  language?: FilterValue;
  /** ISO-3166 alpha-2 code, like `jp`. */
  country?: FilterValue;
  /** A region (subdivision of a country), like `Tokyo`. */
  region?: FilterValue;
  city?: FilterValue;
  referrer?: FilterValue;
  referrer_name?: FilterValue;
  /** The traffic channel as Google Analytics 4 names them, like `Paid Search`. */
  channel?: FilterValue;
  os?: FilterValue;
  browser?: FilterValue;
  /** `desktop`, `mobile` or `unknown`, optionally with the `!` prefix. */
  platform?: Platform | `!${Platform}` | readonly Platform[];
  /** `UHD 5K`, `UHD 4K`, `WQHD`, `Full HD`, `HD`, `XL`, `L`, `M`, `S`, `XS` (older: `XXL`). */
  screen_class?: FilterValue;
  /** The API reads it as a string; a number is sent the same way. */
  screen_width?: string | number;
  screen_height?: string | number;
  utm_source?: FilterValue;
  utm_medium?: FilterValue;
  utm_campaign?: FilterValue;
  utm_content?: FilterValue;
  utm_term?: FilterValue;
  /** How `custom_metric_key`'s meta values are parsed and aggregated: `integer` or `float`. */
  custom_metric_type?: CustomMetricType;
  /** The event meta key whose values are the custom metric (with `custom_metric_type`). */
  custom_metric_key?: string;
  /** A tag key, to break down a single tag (`statistics.tagDetails`, `statistics.options.tagValues`). */
  tag?: FilterValue;
  /** Tags to filter for, sent as `tag_<key>=<value>`. */
  tags?: Record<string, FilterValue>;
  /**
   * One visitor, for `statistics.sessionDetails` (needs `session_id` too). A decimal string: the
   * number is an unsigned 64-bit integer, too big for a JavaScript number.
   */
  visitor_id?: string;
  /** One session of `visitor_id`, for `statistics.sessionDetails` (needs `visitor_id` too). */
  session_id?: string | number;
  /** Skips that many results (an integer, 0 or more); see `client.paginate`. */
  offset?: number;
  /** Limits the number of results (an integer, 1 to 100: the API caps it at 100). */
  limit?: number;
  /** Include the average time on page in page statistics. */
  include_avg_time_on_page?: boolean;
  /** Group pages by title and path (`true`) or by path only, overriding the dashboard's setting. */
  include_title?: boolean;
  /** Sort by this field, e.g. `visitors` (pages, entry/exit pages, referrers, UTM, goals, events, demographics, devices). */
  sort?: string;
  /** `asc` or `desc`, with `sort`. */
  direction?: SortDirection;
  /** Keep results whose primary field (the path for pages, the name for browsers, ...) contains this. */
  search?: string;
  /** A Google Search Console keyword, for `statistics.keywordPages`. */
  keyword?: string;
  /** The funnel to compute, for `statistics.funnel`. */
  funnel_id?: string;
  /**
   * The code of an access link, to read a dashboard shared with one. The document names this
   * parameter only for the filter options and the export.
   */
  access?: string;
}

/** The filter of `statistics.activeVisitors`: the date range is optional, `start` (seconds) counts. */
export type ActiveVisitorsFilter = Omit<StatisticsFilter, 'from' | 'to'> & Partial<Pick<StatisticsFilter, 'from' | 'to'>>;

/** The filter of `statistics.overview`: only the domain, as no other filter applies there. */
export interface OverviewFilter {
  id: string;
}

// --- Statistics responses -------------------------------------------------------------------

/**
 * The time component of a row over time. Which one is set depends on `scale`: `day` (the default)
 * sets `day`, the others `week`, `month` or `year`; the rest are `null`. Timestamps are RFC 3339
 * (`2021-05-12T00:00:00Z`). The 2022 document had only `day`, as `YYYY-MM-DD`.
 */
export interface ScaledStats {
  day: string | null;
  week?: string | null;
  month?: string | null;
  year?: string | null;
}

/**
 * The conversion rate and custom metric of a row: `cr` is 0 unless the filter selects an event (or
 * a goal's pattern), the custom metric 0 unless `custom_metric_key` and `custom_metric_type` are
 * set. The API always sends the three (the document's overview sample has them at 0).
 */
export interface ConversionStats {
  /** Conversion rate, 0 to 1. */
  cr: number;
  custom_metric_avg: number;
  custom_metric_total: number;
}

/** `statistics.sessionDuration`: average session duration per day (or per `scale`). */
export interface TimeSpentStats extends ScaledStats {
  average_time_spent_seconds: number;
}

/**
 * `statistics.timeOnPage`: average time on page per day. (The document's sample reads
 * `"path" "/home"`, without the colon: a typo of the sample only.)
 */
export interface PageTimeSpentStats extends TimeSpentStats {
  path: string;
}

/** Visitors and their share, the base of every breakdown by one dimension. */
export interface RelativeVisitorStats {
  visitors: number;
  relative_visitors: number;
}

export interface UtmSourceStats extends RelativeVisitorStats {
  utm_source: string;
}
export interface UtmMediumStats extends RelativeVisitorStats {
  utm_medium: string;
}
export interface UtmCampaignStats extends RelativeVisitorStats {
  utm_campaign: string;
}
export interface UtmContentStats extends RelativeVisitorStats {
  utm_content: string;
}
export interface UtmTermStats extends RelativeVisitorStats {
  utm_term: string;
}

/** `statistics.total`: visitors, views, sessions and bounces of the whole range. */
export interface TotalVisitorStats extends ConversionStats {
  visitors: number;
  views: number;
  sessions: number;
  bounces: number;
  bounce_rate: number;
}

/** `statistics.visitors`: the totals per day (or per `scale`). */
export interface VisitorStats extends TotalVisitorStats, ScaledStats {}

/**
 * `statistics.overview`: visitors, views and growth of the domain, and its number of members;
 * cached by the API (up to 30 minutes), and no filter applies.
 *
 * The document describes this endpoint twice: once with `visitor_growth` and a
 * `visitors_time_series`, once ("Total Visitors, Page Views, and Members") with `visitors_growth`
 * and no series. Both spellings are typed, as optional.
 */
export interface OverviewStats {
  visitors: number;
  views: number;
  visitors_growth?: number;
  /** The first description's spelling of `visitors_growth`. */
  visitor_growth?: number;
  views_growth: number;
  visitors_time_series?: VisitorStats[];
  /** The number of members. */
  member: number;
}

/** `statistics.hostnames`. */
export interface HostnameStats {
  hostname: string;
  visitors: number;
  views: number;
  sessions: number;
  bounces: number;
  relative_visitors: number;
  relative_views: number;
  bounce_rate: number;
}

/** `statistics.pages` and `statistics.eventPages`. `average_time_spent_seconds` is filled with `include_avg_time_on_page`. */
export interface PageStats {
  path: string;
  title: string;
  visitors: number;
  views: number;
  sessions: number;
  bounces: number;
  relative_visitors: number;
  relative_views: number;
  bounce_rate: number;
  average_time_spent_seconds: number;
}

/** `statistics.entryPages`. */
export interface EntryStats {
  path: string;
  title: string;
  visitors: number;
  sessions: number;
  entries: number;
  entry_rate: number;
  average_time_spent_seconds: number;
}

/** `statistics.exitPages`. */
export interface ExitStats {
  path: string;
  title: string;
  visitors: number;
  sessions: number;
  exits: number;
  exit_rate: number;
}

/**
 * `statistics.conversionGoals`: each goal with its numbers. (The document's sample lacks the
 * comma after `page_goal`: a typo of the sample only.)
 */
export interface ConversionGoalStats {
  page_goal: ConversionGoal;
  stats: {
    visitors: number;
    views: number;
    /** Conversion rate, 0 to 1. */
    cr: number;
  };
}

/** `statistics.events`: every event with its metadata keys. */
export interface EventStats {
  name: string;
  /** How often it was sent (not in the 2022 document, in the current one). */
  count: number;
  visitors: number;
  views: number;
  cr: number;
  average_duration_seconds: number;
  meta_keys: string[];
}

/** `statistics.eventMetadata`: one event broken down by the values of one meta key. */
export interface EventMetaStats {
  name: string;
  /** How often it was sent (not in the 2022 document, in the current one). */
  count: number;
  visitors: number;
  views: number;
  cr: number;
  average_duration_seconds: number;
  meta_value: string;
}

/** `statistics.listEvents`: events grouped by name and metadata. */
export interface EventListStats {
  name: string;
  meta: Record<string, string>;
  visitors: number;
  count: number;
}

/** `statistics.growth`: change against the previous period of the same length (0.34 = +34 %). */
export interface Growth {
  visitors_growth: number;
  views_growth: number;
  sessions_growth: number;
  bounces_growth: number;
  time_spent_growth: number;
  /** Not in the 2022 document; 0 without an event filter (see `ConversionStats`). */
  cr_growth: number;
  /** 0 without `custom_metric_key` and `custom_metric_type`. */
  custom_metric_avg_growth: number;
  custom_metric_total_growth: number;
}

/** `statistics.activeVisitors`: visitors of the past `start` seconds, per page, per country and in all. */
export interface ActiveVisitorStats {
  stats: { path: string; visitors: number }[];
  /** Not in the 2022 document. */
  countries?: CountryStats[];
  visitors: number;
}

/** `statistics.timeOfDay`: the totals per hour of the day (0 to 23). */
export interface VisitorHourStats extends ConversionStats {
  hour: number;
  visitors: number;
  views: number;
  sessions: number;
  bounces: number;
  bounce_rate: number;
}

/** `statistics.minutes`: the totals per minute (of `from_time` to `to_time` on one day). */
export interface VisitorMinuteStats extends ConversionStats {
  minute: number;
  visitors: number;
  views: number;
  sessions: number;
  bounces: number;
  bounce_rate: number;
}

/** `statistics.weekdays`: the totals per weekday (Monday is 0) and hour. */
export interface VisitorWeekdayHourStats {
  weekday: number;
  hour: number;
  visitors: number;
  views: number;
  sessions: number;
  bounces: number;
}

export interface LanguageStats extends RelativeVisitorStats {
  language: string;
}

/** `statistics.referrers`. */
export interface ReferrerStats {
  referrer: string;
  referrer_name: string;
  referrer_icon: string;
  visitors: number;
  sessions: number;
  relative_visitors: number;
  bounces: number;
  bounce_rate: number;
}

/** `statistics.channels`: visitors per traffic channel (as Google Analytics 4 names them). */
export interface ChannelStats {
  channel: string;
  visitors: number;
  views: number;
  sessions: number;
  relative_visitors: number;
  relative_views: number;
  bounces: number;
  bounce_rate: number;
}

export interface OSStats extends RelativeVisitorStats {
  os: string;
}
/** `statistics.osVersions`: the document names the path `os` here, a slip: it is `os/version`. */
export interface OSVersionStats extends OSStats {
  os_version: string;
}
export interface BrowserStats extends RelativeVisitorStats {
  browser: string;
}
export interface BrowserVersionStats extends BrowserStats {
  browser_version: string;
}
/** `statistics.countries`. */
export interface CountryStats extends RelativeVisitorStats {
  /** ISO-3166 alpha-2, lower case, e.g. `jp`. */
  country_code: string;
  /** The 2022 document's name of `country_code`. */
  country?: string;
}
/** `statistics.regions`. */
export interface RegionStats extends RelativeVisitorStats {
  country_code: string;
  region: string;
}
/** `statistics.cities`. */
export interface CityStats extends RelativeVisitorStats {
  /** Not in the 2022 document. */
  country_code?: string;
  /** Not in the 2022 document. */
  region?: string;
  city: string;
}

/** `statistics.platforms`: visitors per platform (one object, not a list). */
export interface PlatformStats {
  platform_desktop: number;
  platform_mobile: number;
  platform_unknown: number;
  relative_platform_desktop: number;
  relative_platform_mobile: number;
  relative_platform_unknown: number;
}

export interface ScreenClassStats extends RelativeVisitorStats {
  screen_class: string;
}

/** `statistics.tags`: visitors and views per tag key. */
export interface TagStats {
  key: string;
  visitors: number;
  views: number;
  relative_visitors: number;
  relative_views: number;
}

/** `statistics.tagDetails`: one tag key broken down by its values. */
export interface TagDetailStats extends TagStats {
  value: string;
}

/** One step of `statistics.funnel` (steps count from 1 here, from 0 in the funnel's definition). */
export interface FunnelStepStats {
  step: number;
  visitors: number;
  relative_visitors: number;
  previous_visitors: number;
  relative_previous_visitors: number;
  dropped: number;
  drop_off: number;
}

/** `statistics.funnel`: the funnel's definition and each step's numbers. */
export interface FunnelStats {
  definition: Funnel;
  data: FunnelStepStats[];
}

/** What a page view and an event of a session have in common. */
export interface SessionPageFields {
  language: string;
  country_code: string;
  city: string;
  referrer: string;
  referrer_name: string;
  referrer_icon: string;
  os: string;
  os_version: string;
  browser: string;
  browser_version: string;
  desktop: boolean;
  mobile: boolean;
  screen_class: string;
  utm_source: string;
  utm_medium: string;
  utm_campaign: string;
  utm_content: string;
  utm_term: string;
}

/** One row of `statistics.sessions`. */
export interface SessionStats extends SessionPageFields {
  /** A decimal string: an unsigned 64-bit integer is too big for a JavaScript number. */
  visitor_id: string;
  session_id: number;
  /** The last request of the session. */
  time: string;
  start: string;
  duration_seconds: number;
  entry_path: string;
  exit_path: string;
  page_views: number;
  is_bounce: boolean;
  entry_title: string;
  exit_title: string;
  extended: number;
}

/**
 * The document's sample of the session breakdown gives `visitor_id` as a number, while the session
 * list says it is a string because it is too big for JavaScript: typed as either.
 */
export type VisitorId = string | number;

/** A page view of `statistics.sessionDetails`. */
export interface SessionPageView extends SessionPageFields {
  visitor_id: VisitorId;
  session_id: number;
  time: string;
  duration_seconds: number;
  path: string;
  title: string;
  tag_keys: string[];
  tag_values: string[];
}

/** An event of `statistics.sessionDetails`. */
export interface SessionEvent extends SessionPageFields {
  visitor_id: VisitorId;
  session_id: number;
  time: string;
  name: string;
  meta_keys: string[];
  meta_values: string[];
  duration_seconds: number;
  path: string;
  title: string;
}

/** One step of `statistics.sessionDetails`, in time order: a page view or an event (the other is `null`). */
export interface SessionStep {
  page_view: SessionPageView | null;
  event: SessionEvent | null;
}

/** `statistics.keywords` and `statistics.keywordPages` (need the Google Search Console integration). */
export interface KeywordStats {
  /** The keyword's words; for `keywordPages`, the keyword and the page's full URL. */
  keys: string[];
  clicks: number;
  impressions: number;
  ctr: number;
  position: number;
}

/** The parts of `statistics.exportCsv`: each `true` adds its CSV file to the zip. */
export interface ExportCsvParts {
  visitors?: boolean;
  pages?: boolean;
  entry_pages?: boolean;
  exit_pages?: boolean;
  session_duration?: boolean;
  growth?: boolean;
  languages?: boolean;
  referrer?: boolean;
  os?: boolean;
  browser?: boolean;
  country?: boolean;
  region?: boolean;
  city?: boolean;
  platform?: boolean;
  screen?: boolean;
  utm?: boolean;
  conversion_goals?: boolean;
  events?: boolean;
  tags?: boolean;
  hostname?: boolean;
}

/** The query of `statistics.exportCsv` (`GET /api/v1/statistics`). */
export interface ExportCsvInput extends ExportCsvParts {
  id: string;
  from: DateInput;
  to: DateInput;
  /** The code of an access link. */
  access?: string;
}

/** What `statistics.delete` removes: everything (`''`, the default), `all` collected (not imported), `events` only, or `imported` only. */
export type DeleteStatisticsKind = '' | 'all' | 'events' | 'imported';

/** The body of `statistics.delete` (`DELETE /api/v1/statistics`); the API deletes asynchronously. */
export interface DeleteStatisticsInput {
  id: string;
  from: DateInput;
  to: DateInput;
  kind?: DeleteStatisticsKind;
}

// --- Management: responses -------------------------------------------------------------------

/** Fields every stored object has. */
export interface ApiObject {
  id: string;
  def_time: string;
  mod_time: string;
}

/** A JSON object of settings the document leaves open ("key value pairs"). */
export type Settings = Record<string, unknown>;

/**
 * The dashboard switches of `domains.create()` and `domains.updateSettings()`: each section shown
 * on the private dashboard, and `<section>_public` on the public one.
 */
export interface DomainSettings {
  active?: boolean;
  active_public?: boolean;
  funnels?: boolean;
  funnels_public?: boolean;
  sessions?: boolean;
  sessions_public?: boolean;
  links?: boolean;
  links_public?: boolean;
  graphs?: boolean;
  graphs_public?: boolean;
  pages?: boolean;
  pages_public?: boolean;
  sources?: boolean;
  sources_public?: boolean;
  goals?: boolean;
  goals_public?: boolean;
  events?: boolean;
  events_public?: boolean;
  location?: boolean;
  location_public?: boolean;
  devices?: boolean;
  devices_public?: boolean;
  weekdays?: boolean;
  weekdays_public?: boolean;
  keywords?: boolean;
  keywords_public?: boolean;
  nav_reload?: boolean;
  nav_reload_public?: boolean;
  nav_filter?: boolean;
  nav_filter_public?: boolean;
  nav_views?: boolean;
  nav_views_public?: boolean;
  nav_period?: boolean;
  nav_period_public?: boolean;
  nav_comparison?: boolean;
  nav_comparison_public?: boolean;
  nav_period_live?: boolean;
  nav_period_live_public?: boolean;
}

/**
 * A domain (site) as `domains.list()` and `domains.create()` return it. Fields the 2022 document
 * did not have are optional, so an older answer (or the emulator's) is still typed right.
 */
export interface Domain extends ApiObject {
  user_id: string;
  organization_id?: string | null;
  hostname: string;
  subdomain: string;
  identification_code: string;
  public: boolean;
  google_user_id: string | null;
  google_user_email: string | null;
  gsc_domain: string | null;
  new_owner: string | null;
  /** Present in the answer to `create` (and today in listings). */
  timezone?: string;
  /** Present in the answer to `create` (and today in listings). */
  group_by_title?: boolean;
  active_visitors_seconds?: number;
  disable_scripts?: boolean;
  statistics_start?: string | null;
  imported_statistics?: boolean;
  metadata?: Settings;
  theme_id?: string | null;
  theme?: Settings;
  custom_domain?: string | null;
  /** The caller's role on the domain: `Owner`, `Admin` or `Viewer`; empty for a domain client. */
  user_role: string;
  settings?: DomainSettings;
  theme_settings?: Settings;
  display_name?: string;
  pinned?: boolean;
  free_trial?: boolean;
  subscription_active?: boolean;
  subscription_plus?: boolean;
}

/**
 * What `domains.list()` can look for. Without any, it lists every domain the client may access
 * (one for a domain client). The document's sample for a lookup by `id`, `subdomain`, `domain` or
 * `access` shows one object, not a list; the client always resolves with a list (a single object
 * is wrapped).
 */
export interface ListDomainsOptions {
  /** Keep domains whose hostname contains this. */
  search?: string;
  id?: string;
  subdomain?: string;
  /** A custom domain. */
  domain?: string;
  /** An access link's code. */
  access?: string;
}

/** The answer to `domains.resetIdentificationCode()`. */
export interface IdentificationCode {
  identification_code: string;
}

/** A link with read access to a domain's dashboard (`https://<subdomain>.pirsch.io/?access=<code>`). */
export interface AccessLink extends ApiObject {
  domain_id: string;
  code: string;
  description: string;
  /** RFC 3339; `null` or missing when the link does not expire. */
  valid_until?: string | null;
}

/** A member of a domain and the user behind it. */
export interface Member extends ApiObject {
  user_id: string;
  domain_id: string;
  organization_id?: string | null;
  /** `owner`, `admin` or `viewer`. */
  role: string;
  user: {
    id: string;
    email: string;
    full_name: string;
    picture: string;
  };
}

/** A role that `members.updateRole()` can give (owner needs a domain transfer). */
export type MemberRole = 'admin' | 'viewer';

/** An open invitation to a domain. */
export interface Invitation extends ApiObject {
  domain_id: string | null;
  organization_id: string | null;
  email: string;
  domain: Domain | null;
  /** An organization when `organization_id` is set (organizations are not part of this client). */
  organization: Settings | null;
}

/** A scope value of an API client: read, write, or none. */
export type ClientScope = 'r' | 'w' | '';

/** An API (OAuth) client of a domain. The secret is only returned once, by `clients.create()`. */
export interface OAuthClient extends ApiObject {
  domain_id: string;
  /** 32 characters. */
  client_id: string;
  description: string;
  scope_hit: ClientScope;
  scope_event: ClientScope;
  /** Not in the 2022 document. */
  scope_session?: ClientScope;
  scope_statistics: ClientScope;
  scope_domains: ClientScope;
  scope_organizations?: ClientScope;
  scope_themes?: ClientScope;
  scope_billing?: ClientScope;
}

/** The answer to `clients.create()`: the client with its secret (64 characters). */
export interface CreatedOAuthClient extends OAuthClient {
  client_secret: string;
}

/** Where an email report's dashboard button leads: the private dashboard (`''` or `dashboard`), the public one, or the custom domain. */
export type ReportLinkTo = '' | 'dashboard' | 'public' | 'custom';

/** The content switches of an email report. */
export interface EmailReportContent {
  visitor_graph?: boolean;
  summary?: boolean;
  top_pages?: boolean;
  top_referrer?: boolean;
  top_events?: boolean;
  hide_dashboard_button?: boolean;
}

/** An email report for one address. */
export interface EmailReport extends ApiObject, EmailReportContent {
  domain_id: string;
  email: string;
  reply_to?: string;
  /** Weeks between reports; 0 for daily. */
  interval: number;
  link_to?: ReportLinkTo;
  next_report: string;
}

/** A conversion goal: a path pattern, an event (optionally with one meta pair), or both, and optionally a custom metric. */
export interface ConversionGoal extends ApiObject {
  domain_id: string;
  name: string;
  /**
   * The path pattern as configured, e.g. `/checkout/**`; `null` for a goal without a path (an
   * event goal), as the document says. (The listing sample's comments swap `path_pattern` and
   * `pattern`; the statistics section says which is which.)
   */
  path_pattern: string | null;
  /** The regular expression generated from `path_pattern`, usable as the filter's `pattern`; `null` with it. */
  pattern: string | null;
  /** Tags the goal requires, `key` or `key=value`. */
  tags?: string[];
  event_name?: string | null;
  event_meta_key?: string | null;
  event_meta_value?: string | null;
  custom_metric_key?: string | null;
  custom_metric_type?: CustomMetricType | null;
  /** `null` when unset. */
  visitor_goal: number | null;
  /** `null` when unset. */
  cr_goal: number | null;
  custom_metric_total_goal?: number | null;
  custom_metric_avg_goal?: number | null;
  delete_reached: boolean;
  email_reached: boolean;
}

/** The answer to `goals.testRegex()`. */
export interface RegexMatch {
  match: boolean;
}

/**
 * What a funnel step matches. Every list matches any of its values; `platform` is one value.
 * (The document's sample has `"event_meta": :`, a typo of the sample only.)
 */
export interface FunnelStepFilter {
  path?: string[];
  entry_path?: string[];
  exit_path?: string[];
  path_pattern?: string[];
  path_regex?: string[];
  language?: string[];
  country?: string[];
  region?: string[];
  city?: string[];
  referrer?: string[];
  referrer_name?: string[];
  os?: string[];
  os_version?: string[];
  browser?: string[];
  browser_version?: string[];
  platform?: 'desktop' | 'mobile' | '';
  screen_class?: string[];
  utm_source?: string[];
  utm_medium?: string[];
  utm_campaign?: string[];
  utm_content?: string[];
  utm_term?: string[];
  tags?: Record<string, string>;
  tag?: string[];
  event_name?: string[];
  event_meta_key?: string[];
  event_meta?: Record<string, string>;
}

/** A step of a stored funnel. */
export interface FunnelStep extends ApiObject {
  funnel_id: string;
  name: string;
  /** Starting at 0. */
  step: number;
  filter: FunnelStepFilter;
}

/** A funnel: named steps a visitor goes through in order. */
export interface Funnel extends ApiObject {
  domain_id: string;
  name: string;
  steps: FunnelStep[];
}

/** A webhook: the API calls `endpoint` when `event` is sent. */
export interface Webhook extends ApiObject {
  domain_id: string;
  description: string;
  event: string;
  endpoint: string;
  /** False once the API disabled it after failed requests; an update enables it again. */
  active: boolean;
}

/**
 * A traffic filter: requests matching it are not counted. The document shows only `ip` as a
 * type; the dashboard also offers others, so the type is a string.
 */
export interface TrafficFilter extends ApiObject {
  domain_id: string;
  type: string;
  description: string;
  filter: string;
}

/** An alternative domain: another hostname allowed to send traffic to the dashboard. */
export interface AlternativeDomain extends ApiObject {
  domain_id: string;
  hostname: string;
}

/**
 * The type of a snippet. Updating takes `page view` or `event`; reading also `session`, as the
 * document has it.
 */
export type SnippetType = 'page view' | 'event' | 'session';

/** The settings of a domain's JavaScript snippet. */
export interface Snippet extends ApiObject {
  domain_id: string;
  type: SnippetType;
  dev: boolean;
  /** Comma-separated regular expressions of paths to include. */
  include: string;
  exclude: string;
  /** Comma-separated hostnames. */
  domains: string;
  endpoint: string;
  /** Comma-separated paths. */
  sample: string;
}

/** A view: a saved filter and period of the dashboard. */
export interface View extends ApiObject {
  domain_id: string;
  user_id: string | null;
  name: string;
  from: string | null;
  to: string | null;
  from_time: string | null;
  to_time: string | null;
  period: number;
  /** `previous`, `year`, `custom` or `null`. */
  compare: string | null;
  compare_from: string | null;
  compare_to: string | null;
  compare_weekday: boolean;
  path: string[] | null;
  entry_path: string[] | null;
  exit_path: string[] | null;
  pattern: string[] | null;
  language: string[] | null;
  country: string[] | null;
  city: string[] | null;
  referrer: string[] | null;
  referrer_name: string[] | null;
  os: string[] | null;
  browser: string[] | null;
  platform: string | null;
  screen_class: string[] | null;
  utm_source: string[] | null;
  utm_medium: string[] | null;
  utm_campaign: string[] | null;
  utm_content: string[] | null;
  utm_term: string[] | null;
  event: string[] | null;
  event_meta_key: string[] | null;
  event_meta_value: string[] | null;
  tag: string[] | null;
  tag_key: string[] | null;
  tag_value: string[] | null;
  /** The document's sample gives a number; the session list says these are too big for JavaScript (see `VisitorId`). */
  visitor_id: VisitorId | null;
  session_id: number | null;
}

/** A target of a short link, chosen by the visitor's country, language or system. */
export interface ShortLinkUrl {
  id?: string;
  link_id?: string;
  url: string;
  country?: string;
  language?: string;
  os?: string;
}

/** A short link with its targets. */
export interface ShortLink extends ApiObject {
  domain_id: string;
  name: string;
  event_name: string;
  referrer: string;
  utm_source: string;
  utm_medium: string;
  utm_campaign: string;
  utm_term: string;
  utm_content: string;
  expires_at: string | null;
  expired_url: string;
  webhook_id: string | null;
  title: string;
  description: string;
  image: string;
  allow_indexing: boolean;
  tags: string[];
  has_password: boolean;
  webhook_endpoint: string;
  urls: (ShortLinkUrl & ApiObject)[];
}

// --- Management: request bodies ----------------------------------------------------------------

/** The body of `domains.create()`: `hostname`, `subdomain` and `timezone` are required, the rest sets options at once. */
export interface CreateDomainInput {
  hostname: string;
  subdomain: string;
  /** An IANA time zone, e.g. `Europe/Berlin`. */
  timezone: string;
  organization_id?: string | null;
  theme_id?: string | null;
  public?: boolean;
  group_by_title?: boolean;
  active_visitors_seconds?: number;
  disable_scripts?: boolean;
  display_name?: string;
  traffic_spike_threshold?: number;
  traffic_warning_threshold_days?: number;
  settings?: DomainSettings;
}

/** The body of `accessLinks.create()`. */
export interface CreateAccessLinkInput {
  domain_id: string;
  description: string;
  /** RFC 3339; leave out (or `null`) for a link that does not expire. */
  valid_until?: string | null;
}

/** The body of `accessLinks.update()`. */
export interface UpdateAccessLinkInput {
  id: string;
  description: string;
  valid_until?: string | null;
}

/** The body of `clients.create()`. Hits, events and sessions can only be written, statistics and billing only read. */
export interface CreateClientInput {
  domain_id: string;
  /** `oauth` (client ID and secret) or `token`. */
  type?: 'oauth' | 'token';
  description: string;
  scope_hit?: 'w' | '';
  scope_event?: 'w' | '';
  scope_session?: 'w' | '';
  scope_statistics?: 'r' | '';
  scope_domains?: ClientScope;
  scope_organizations?: ClientScope;
  scope_themes?: ClientScope;
  scope_billing?: 'r' | '';
}

/** The body of `clients.update()`. */
export interface UpdateClientInput {
  id: string;
  description: string;
}

/** The body of `reports.create()`: one report per address. */
export interface CreateEmailReportInput extends EmailReportContent {
  domain_id: string;
  emails: string[];
  reply_to?: string;
  /** Weeks between reports; 0 for daily. */
  interval: number;
  /** `YYYY-MM-DD`: the day of the first report, or `null`. */
  start_date?: string | null;
  link_to?: ReportLinkTo;
}

/** The body of `reports.update()`. */
export interface UpdateEmailReportInput extends EmailReportContent {
  id: string;
  reply_to?: string;
  /** Weeks between reports; 0 for daily. */
  interval: number;
  link_to?: ReportLinkTo;
}

/** The body of `goals.create()`: a `path_pattern`, the event fields, or both. */
export interface CreateGoalInput {
  domain_id: string;
  name: string;
  /** e.g. `/checkout/**` (`*` is one path segment, `**` any number); `null` for an event goal. */
  path_pattern?: string | null;
  /** Tags the goal requires, `key` or `key=value`. */
  tags?: string[];
  event_name?: string | null;
  event_meta_key?: string | null;
  event_meta_value?: string | null;
  custom_metric_key?: string | null;
  custom_metric_type?: CustomMetricType | null;
  /** Visitor goal; 0 to leave unset. */
  visitors?: number;
  /** Conversion rate goal; 0 to leave unset. */
  cr?: number;
  /** 0 to leave unset. */
  custom_metric_total_goal?: number;
  /** 0 to leave unset. */
  custom_metric_avg_goal?: number;
  delete_reached?: boolean;
  email_reached?: boolean;
}

/** The body of `goals.update()`. */
export interface UpdateGoalInput extends CreateGoalInput {
  id: string;
}

/** The body of `goals.testRegex()`. */
export interface TestRegexInput {
  regex: string;
  sample: string;
}

/** A step of `funnels.create()` and `funnels.update()`. */
export interface FunnelStepInput {
  name: string;
  filter: FunnelStepFilter;
}

/** The body of `funnels.create()`. */
export interface CreateFunnelInput {
  domain_id: string;
  name: string;
  steps: FunnelStepInput[];
}

/** The body of `funnels.update()`. */
export interface UpdateFunnelInput extends CreateFunnelInput {
  id: string;
}

/** The body of `webhooks.create()`. */
export interface CreateWebhookInput {
  domain_id: string;
  description: string;
  /** The event name that triggers it. */
  event: string;
  endpoint: string;
}

/** The body of `webhooks.update()` (enables a webhook disabled after failed requests). */
export interface UpdateWebhookInput extends CreateWebhookInput {
  id: string;
}

/** The body of `trafficFilters.create()`. */
export interface CreateTrafficFilterInput {
  domain_id: string;
  /** e.g. `ip`. */
  type: string;
  description: string;
  filter: string;
}

/** The body of `trafficFilters.update()`. */
export interface UpdateTrafficFilterInput extends CreateTrafficFilterInput {
  id: string;
}

/** The body of `alternativeDomains.create()`. */
export interface CreateAlternativeDomainInput {
  domain_id: string;
  hostname: string;
}

/** The body of `alternativeDomains.update()`. */
export interface UpdateAlternativeDomainInput {
  id: string;
  hostname: string;
}

/** The body of `snippets.update()`. */
export interface UpdateSnippetInput {
  domain_id: string;
  type: 'page view' | 'event';
  dev?: boolean;
  include?: string;
  exclude?: string;
  domains?: string;
  endpoint?: string;
  sample?: string;
}

/** The body of `views.create()`: a name and the filter fields to save (unset ones stay empty). */
export type CreateViewInput = Partial<Omit<View, keyof ApiObject | 'domain_id' | 'name' | 'user_id'>> & {
  domain_id: string;
  name: string;
};

/** The body of `views.update()`. */
export type UpdateViewInput = CreateViewInput & { id: string };

/** The body of `shortLinks.create()`. */
export interface CreateShortLinkInput {
  domain_id: string;
  name: string;
  event_name?: string;
  referrer?: string;
  utm_source?: string;
  utm_medium?: string;
  utm_campaign?: string;
  utm_term?: string;
  utm_content?: string;
  expires_at?: string | null;
  expired_url?: string;
  password?: string;
  clear_password?: boolean;
  webhook_endpoint?: string;
  title?: string;
  description?: string;
  image?: string;
  allow_indexing?: boolean;
  tags?: string[];
  urls: ShortLinkUrl[];
}

/** The body of `shortLinks.update()`. */
export interface UpdateShortLinkInput extends CreateShortLinkInput {
  id: string;
}

/** The `search` of list calls that take one: keep results whose name contains it. */
export interface SearchOptions {
  search?: string;
}
