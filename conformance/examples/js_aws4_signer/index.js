#!/usr/bin/env node
// An external signer for `sigbridge conformance --signer`: the npm package aws4 behind the
// JSON-lines protocol (conformance/protocol.schema.json, version 1).
//
//     npm install && sigbridge conformance --signer 'node index.js'
//
// aws4 signs SigV4 in the Authorization header and presigned (signQuery).  Each case is mapped
// onto aws4's options; the signing time goes in as X-Amz-Date, which aws4 reads instead of its
// clock.  The canonical request and string to sign are aws4's own (RequestSigner's
// canonicalString and stringToSign).  A case aws4 has no way to express is answered
// "unsupported" with the reason.
'use strict'

const readline = require('readline')
const aws4 = require('aws4')
const version = require('aws4/package.json').version

class Unsupported extends Error {}

function amzDate(iso) {
  return iso.replace(/[-:]/g, '')  // 2015-08-30T12:36:00Z -> 20150830T123600Z
}

function headerObject(pairs) {
  const headers = {}
  const seen = new Set()
  for (const [name, value] of pairs) {
    if (seen.has(name.toLowerCase())) {
      throw new Unsupported('aws4 takes headers as an object: a repeated name cannot be sent twice')
    }
    seen.add(name.toLowerCase())
    headers[name] = value
  }
  return headers
}

function options(testCase) {
  const o = testCase.options
  const s3 = Boolean(o.s3)
  const service = o.service
  if (s3 !== (service === 's3')) {
    throw new Unsupported("aws4 applies S3's rules exactly when the service is named s3")
  }
  if (o.session_token === 'unsigned') throw new Unsupported('aws4 always signs the session token')
  if (o.normalize_path === false && !s3) throw new Unsupported("aws4 normalizes every path but S3's")
  if (o.double_encode === false && !s3) throw new Unsupported("aws4 encodes every path but S3's twice")
  const query = testCase.scheme === 'sigv4-query'
  if (o.sign_body && (!s3 || query)) {
    throw new Unsupported('aws4 adds x-amz-content-sha256 to S3 header signatures only')
  }
  if (s3 && !query && o.sign_body === false) {
    throw new Unsupported('aws4 always adds x-amz-content-sha256 for S3')
  }
  return { s3, query, service, region: o.region, expires: o.expires }
}

function answer(testCase) {
  const opts = options(testCase)
  const raw = testCase.request
  const url = new URL(raw.url)
  const headers = headerObject(raw.headers)
  const body = Buffer.from(raw.body_base64, 'base64')
  const stamp = amzDate(testCase.time)
  let path = raw.url.slice(raw.url.indexOf(url.host) + url.host.length) || '/'
  if (raw.payload !== 'body') {
    if (!opts.s3) throw new Unsupported('aws4 hashes the body itself outside S3')
    headers['X-Amz-Content-Sha256'] = raw.payload
  }
  if (opts.query) {
    const extra = ['X-Amz-Date=' + stamp]
    if (opts.expires !== undefined) extra.push('X-Amz-Expires=' + opts.expires)
    path += (path.includes('?') ? '&' : '?') + extra.join('&')
  } else {
    headers['X-Amz-Date'] = stamp
  }
  const request = {
    host: url.host,
    path,
    method: raw.method,
    headers,
    service: opts.service,
    region: opts.region,
    signQuery: opts.query,
    doNotModifyHeaders: false,
  }
  if (body.length) request.body = body
  const c = testCase.credentials
  const credentials = { accessKeyId: c.access_key_id, secretAccessKey: c.secret_access_key }
  if (c.session_token) credentials.sessionToken = c.session_token
  const signer = new aws4.RequestSigner(request, credentials)
  const canonical = signer.canonicalString()
  const stringToSign = signer.stringToSign()
  const signature = signer.signature()
  const signed = signer.sign()
  const sent = Object.keys(signed.headers).map((name) => [name, String(signed.headers[name])])
  return {
    id: testCase.id,
    status: 'signed',
    request: {
      method: raw.method,
      url: url.protocol + '//' + url.host + signed.path,
      headers: sent,
      body_base64: signed.body ? Buffer.from(signed.body).toString('base64') : '',
    },
    canonical_request: canonical,
    string_to_sign: stringToSign,
    signature,
  }
}

function main() {
  const hello = { type: 'hello', protocol: 1, name: 'aws4 (npm)', version, schemes: ['sigv4', 'sigv4-query'] }
  process.stdout.write(JSON.stringify(hello) + '\n')
  const lines = readline.createInterface({ input: process.stdin, terminal: false })
  lines.on('line', (line) => {
    if (!line.trim()) return
    const testCase = JSON.parse(line)
    let reply
    try {
      reply = answer(testCase)
    } catch (err) {
      if (err instanceof Unsupported) {
        reply = { id: testCase.id, status: 'unsupported', reason: err.message }
      } else {
        reply = { id: testCase.id, status: 'error', message: String(err && err.stack ? err.message : err) }
      }
    }
    process.stdout.write(JSON.stringify(reply) + '\n')
  })
}

main()
