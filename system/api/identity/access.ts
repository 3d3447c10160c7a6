import type {Request, Response} from 'express'
import type {Identity} from '../../../contracts/identity.js'
import {HttpError} from '../../shared/http/envelope.js'
import type {IdentityResolver, ResolvedIdentity} from './identity-resolver.js'

/**
 * Identity checks for handlers. Resolution is lazy and memoized per request: public reads never
 * pay for a session or API-key lookup.
 */
export class Access {
  constructor(private readonly resolver: IdentityResolver) {}

  resolve(req: Request, res: Response): Promise<ResolvedIdentity> {
    res.locals.identity ??= this.resolver.resolve(req.headers).then((resolved) => {
      res.locals.resolvedIdentity = resolved
      return resolved
    })
    return res.locals.identity as Promise<ResolvedIdentity>
  }

  /** Any authenticated caller (session, API key, or a user the gateway vouches for); 401 otherwise. */
  async requireUser(req: Request, res: Response): Promise<Identity> {
    const {identity} = await this.resolve(req, res)
    if (identity.kind === 'anonymous') {
      throw new HttpError(401, 'unauthorized', 'This needs an identity: log in at POST /api/v1/auth/login and send "Authorization: Bearer <token>", or send X-API-Key.', {
        headers: {'WWW-Authenticate': 'Bearer realm="scalelab"'},
      })
    }
    return identity
  }

  /** Admin role; 401 without identity, 403 with another role. */
  async requireAdmin(req: Request, res: Response): Promise<Identity> {
    const identity = await this.requireUser(req, res)
    if (identity.role !== 'admin') throw new HttpError(403, 'forbidden', 'This needs the admin role.')
    return identity
  }

  /**
   * Admin role as vouched for by the gateway's shared secret: how the lab's admin credential calls
   * one instance directly (fault injection). A direct admin session is not enough.
   */
  async requireGatewayAdmin(req: Request, res: Response): Promise<Identity> {
    const identity = await this.requireAdmin(req, res)
    const {viaGateway} = await this.resolve(req, res)
    if (!viaGateway) throw new HttpError(403, 'forbidden', 'Fault injection needs the gateway secret header with the admin role headers.')
    return identity
  }
}
