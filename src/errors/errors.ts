/**
 * The one error type of kms-local, and the one table that turns errors into exit codes.
 *
 * Two families, as the aliyun CLI has them:
 * - ServiceError: what the KMS service itself would answer (an Aliyun error Code and an HTTP
 *   status). Printed as the `ERROR: SDK.ServerError` block; exit 1.
 * - CliError: a problem with the command line itself (unknown operation or flag, missing
 *   required parameters, duplicated flag). Printed as one `ERROR:` line, with suggestions or a tip.
 */

/** Exit codes of the aliyun CLI (cli/command.go processError). */
export const ExitCode = {
  ok: 0,
  /** Service errors and every plain CLI error. */
  error: 1,
  /** "Suggestible" errors: an unknown operation, parameter or flag. */
  suggestible: 2,
  /** Errors that come with a tip: required parameters missing, configuration failures. */
  withTip: 3,
} as const;

export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode];

/** The Aliyun error codes kms-local answers with, their HTTP status and default message. */
export const ServiceErrors = {
  InvalidParameter: { status: 400, message: 'The specified parameter is not valid.' },
  MissingParameter: { status: 400, message: 'A required parameter is missing.' },
  UnsupportedOperation: { status: 400, message: 'This operation is not supported for the secret.' },
  DryRunOperationError: { status: 400, message: 'The request would have succeeded, but DryRun was set.' },
  'Rejected.LimitExceeded': { status: 400, message: 'The limit is exceeded.' },
  'Forbidden.ResourceNotFound': { status: 404, message: 'The resource is not found.' },
  /** The caller's policies (and the resource's policy) do not allow the call (RAM's decision). */
  'Forbidden.NoPermission': { status: 403, message: 'This operation is forbidden by permission system.' },
  'Rejected.ResourceExist': { status: 409, message: 'The resource already exists.' },
  'Rejected.ResourceInDeleteWindow': { status: 409, message: 'The secret is planned to be deleted.' },
  'Rejected.RotationInProgress': { status: 409, message: 'Your secret is being rotated, please try again later.' },
  /** kms-local: the instance behind a dynamic secret has no target (`kms-local target add`). */
  'Rejected.TargetNotFound': { status: 400, message: 'No target is configured for the instance of the secret.' },
  /** kms-local: a rotation step against the target failed; the current credential is unchanged. */
  'Rejected.RotationFailed': { status: 502, message: 'The rotation failed; the current credential is unchanged.' },
  /** kms-local: creating the accounts of a Redis or PolarDB secret on its target failed; no secret was created. */
  'Rejected.TargetFailed': { status: 502, message: 'Creating the accounts on the target failed; no secret was created.' },
  // Keys (the service's common error codes of the key operations).
  'Forbidden.KeyNotFound': { status: 404, message: 'The specified Key is not found.' },
  'Forbidden.KeyVersionNotFound': { status: 404, message: 'The specified Key version is not found.' },
  'Forbidden.AliasNotFound': { status: 404, message: 'The specified Alias is not found.' },
  AliasAlreadyExists: { status: 400, message: 'AliasName Already Exists.' },
  'Rejected.Disabled': { status: 409, message: 'The request was rejected because the key state is Disabled.' },
  'Rejected.PendingDeletion': { status: 409, message: 'The request was rejected because the key state is PendingDeletion.' },
  'Rejected.StateModifiedFailed': { status: 409, message: 'Keystate modified failed.' },
  'Rejected.IntegrityCheckFailed': { status: 500, message: 'The stored secret failed its integrity check.' },
  // Refusals of the HTTP endpoint (`kms-local serve`), with the service's codes and statuses.
  IncompleteSignature: { status: 400, message: 'The request signature does not conform to Aliyun standards.' },
  SignatureDoesNotMatch: { status: 400, message: 'Specified signature is not matched with our calculation.' },
  'InvalidAccessKeyId.NotFound': { status: 404, message: 'The Access Key ID provided does not exist in our records.' },
  'InvalidTimeStamp.Expired': { status: 400, message: 'Specified time stamp or date value is expired.' },
  'InvalidTimeStamp.Format': { status: 400, message: 'Specified time stamp or date value is not well formatted.' },
  SignatureNonceUsed: { status: 400, message: 'Specified signature nonce was used already.' },
  'Rejected.Throttling': { status: 429, message: 'The QPS upper limit is exceeded.' },
  'InvalidAction.NotFound': { status: 404, message: 'Specified api is not found, please check your url and method.' },
  InternalFailure: { status: 500, message: 'An internal error occurred.' },
  ServiceUnavailableTemporary: { status: 503, message: 'Service Unavailable Temporary.' },
} as const satisfies Record<string, { status: number; message: string }>;

export type ServiceErrorCode = keyof typeof ServiceErrors;

export class ServiceError extends Error {
  readonly code: ServiceErrorCode;
  readonly httpStatus: number;

  constructor(code: ServiceErrorCode, message?: string) {
    super(message ?? ServiceErrors[code].message);
    this.name = 'ServiceError';
    this.code = code;
    this.httpStatus = ServiceErrors[code].status;
  }
}

/**
 * The gateway's wording for a signature mismatch, which clients parse: the core SDK
 * (aliyun-python-sdk-core) compares the part after the colon with the string it signed, to tell a
 * wrong AccessKeySecret (InvalidAccessKeySecret) from a signing bug.
 */
export function signatureMismatch(serverStringToSign: string): ServiceError {
  return new ServiceError('SignatureDoesNotMatch', `Specified signature is not matched with our calculation. server string to sign is:${serverStringToSign}`);
}

/** The troubleshooting page the gateway recommends for an error (the Recommend field and CLI line). */
export function recommendFor(code: string, requestId: string): string {
  return `https://api.aliyun.com/troubleshoot?q=${encodeURIComponent(code)}&product=Kms&requestId=${encodeURIComponent(requestId)}`;
}

/** An error body as the API gateway writes it (KMS adds HttpStatus). */
export interface ErrorBody {
  Code: string;
  HostId: string;
  HttpStatus: number;
  Message: string;
  Recommend: string;
  RequestId: string;
}

/** The one mapping from a service error to the HTTP answer: its status and its body. */
export function errorResponse(err: ServiceError, requestId: string, hostId: string, status = err.httpStatus): { status: number; body: ErrorBody } {
  return {
    status,
    body: { Code: err.code, HostId: hostId, HttpStatus: status, Message: err.message, Recommend: recommendFor(err.code, requestId), RequestId: requestId },
  };
}

/** Shorthand for the most common service error: a parameter that breaks a rule. */
export function invalidParameter(detail: string): ServiceError {
  return new ServiceError('InvalidParameter', `The specified parameter is not valid: ${detail}`);
}

export function notFound(what: string): ServiceError {
  return new ServiceError('Forbidden.ResourceNotFound', `The resource is not found: ${what}.`);
}

/** System errors that are the home's state (full, read-only, not ours), not kms-local bugs. */
const STORAGE_PROBLEMS: Record<string, string> = {
  ENOSPC: 'the file system is full',
  EDQUOT: 'the disk quota is exceeded',
  EFBIG: 'the file is too large for the file system',
  EROFS: 'the file system is read-only',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EIO: 'an I/O error occurred',
  EMFILE: 'too many open files',
  ENFILE: 'too many open files',
};

/**
 * A system error of the home as a service error (ServiceUnavailableTemporary, 503), naming the file
 * and the cause; undefined for anything else (a bug stays an internal error).
 */
export function storageError(err: unknown, detail?: string): ServiceError | undefined {
  if (err instanceof ServiceError || err instanceof CliError) return undefined;
  const sys = err as NodeJS.ErrnoException | undefined;
  const problem = sys?.code ? STORAGE_PROBLEMS[sys.code] : undefined;
  if (!problem) return undefined;
  const where = sys!.path ? ` (${sys!.syscall ?? 'access'} '${sys!.path}')` : sys!.syscall ? ` (${sys!.syscall})` : '';
  return new ServiceError(
    'ServiceUnavailableTemporary',
    `The kms-local home cannot be written or read: ${problem}, ${sys!.code}${where}${detail ? `; ${detail}` : ''}.`,
  );
}

export type CliErrorKind = 'plain' | 'suggestible' | 'withTip';

/** A command-line error. `suggestions` go to stdout after "Did you mean:"; `tip` to stderr. */
export class CliError extends Error {
  readonly kind: CliErrorKind;
  readonly suggestions: string[];
  readonly tip: string | undefined;

  constructor(message: string, opts: { kind?: CliErrorKind; suggestions?: string[]; tip?: string } = {}) {
    super(message);
    this.name = 'CliError';
    this.kind = opts.kind ?? 'plain';
    this.suggestions = opts.suggestions ?? [];
    this.tip = opts.tip;
  }
}

/** The only mapping from an error to the process exit code. */
export function exitCodeFor(err: unknown): ExitCodeValue {
  if (err instanceof CliError) {
    if (err.kind === 'suggestible') return ExitCode.suggestible;
    if (err.kind === 'withTip') return ExitCode.withTip;
    return ExitCode.error;
  }
  return ExitCode.error;
}
