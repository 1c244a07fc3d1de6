"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.ApiError = void 0;
exports.serializeQuery = serializeQuery;
exports.createClient = createClient;
class ApiError extends Error {
    constructor(init) {
        super(`${init.code}: ${init.detail}`);
        this.name = 'ApiError';
        this.status = init.status;
        this.code = init.code;
        this.detail = init.detail;
        this.retryAfter = init.retryAfter;
        this.problem = init.problem;
    }
}
exports.ApiError = ApiError;
const enc = encodeURIComponent;
/** The query string (no '?'): arrays exploded, undefined and null left out. */
function serializeQuery(query = {}) {
    const pairs = [];
    for (const [k, v] of Object.entries(query)) {
        for (const item of Array.isArray(v) ? v : [v]) {
            if (item !== undefined && item !== null)
                pairs.push(`${enc(k)}=${enc(String(item))}`);
        }
    }
    // Built by hand: the mini-program runtime has no URLSearchParams.
    return pairs.join('&');
}
function buildUrl(baseUrl, path, params) {
    const filled = path.replace(/\{([^}]+)\}/g, (_, name) => {
        var _a;
        const value = (_a = params === null || params === void 0 ? void 0 : params.path) === null || _a === void 0 ? void 0 : _a[name];
        if (value === undefined)
            throw new Error(`wx-client: missing path parameter ${name} for ${path}`);
        return enc(String(value));
    });
    const query = serializeQuery(params === null || params === void 0 ? void 0 : params.query);
    return baseUrl.replace(/\/+$/, '') + filled + (query ? `?${query}` : '');
}
function headerValue(header, name) {
    // wx keeps the server's spelling of header names (and HTTP/2 lower-cases them).
    const key = Object.keys(header !== null && header !== void 0 ? header : {}).find((k) => k.toLowerCase() === name.toLowerCase());
    return key === undefined ? undefined : String(header[key]);
}
function isProblem(data) {
    const p = data;
    return typeof p === 'object' && p !== null && typeof p.code === 'string' && typeof p.status === 'number';
}
function errorFromResponse(res) {
    var _a, _b;
    let data = res.data;
    if (typeof data === 'string') {
        // wx parses JSON bodies itself and hands back the text when that fails.
        try {
            data = JSON.parse(data);
        }
        catch (_c) {
            /* not JSON: handled below */
        }
    }
    // Seconds only; the HTTP-date form is not sent by the API.
    const header = headerValue(res.header, 'Retry-After');
    const retry = header === undefined || header.trim() === '' ? NaN : Number(header);
    const retryAfter = Number.isFinite(retry) && retry >= 0 ? retry : undefined;
    if (!isProblem(data)) {
        return new ApiError({ status: res.statusCode, code: 'invalid_response', detail: `HTTP ${res.statusCode} without a problem document`, retryAfter });
    }
    return new ApiError({ status: res.statusCode, code: data.code, detail: (_b = (_a = data.detail) !== null && _a !== void 0 ? _a : data.title) !== null && _b !== void 0 ? _b : data.code, retryAfter, problem: data });
}
function createClient(options) {
    var _a, _b, _c, _d;
    const transport = (_a = options.request) !== null && _a !== void 0 ? _a : ((o) => {
        if (typeof wx === 'undefined' || !wx)
            throw new Error('wx-client: no global wx; pass `request` outside a mini-program');
        return wx.request(o);
    });
    const timeout = (_b = options.timeoutMs) !== null && _b !== void 0 ? _b : 15000;
    const maxRetryAfterMs = (_c = options.maxRetryAfterMs) !== null && _c !== void 0 ? _c : 5000;
    const sleep = (_d = options.sleep) !== null && _d !== void 0 ? _d : ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
    // One login at a time: concurrent 401s all wait for the same one.
    let pendingLogin;
    function send(method, path, init, token) {
        var _a, _b;
        const header = {};
        for (const [k, v] of Object.entries((_b = (_a = init.params) === null || _a === void 0 ? void 0 : _a.header) !== null && _b !== void 0 ? _b : {}))
            if (v !== undefined)
                header[k] = String(v);
        if (token)
            header.Authorization = `Bearer ${token}`;
        let data;
        if (init.body !== undefined) {
            header['Content-Type'] = 'application/json';
            data = JSON.stringify(init.body);
        }
        const url = buildUrl(options.baseUrl, path, init.params);
        return new Promise((resolve, reject) => {
            transport({
                url,
                method: method.toUpperCase(),
                header,
                data,
                dataType: 'json',
                responseType: 'text',
                timeout,
                success(res) {
                    if (res.statusCode < 200 || res.statusCode > 299)
                        return reject(errorFromResponse(res));
                    if (res.statusCode === 204)
                        return resolve(undefined);
                    if (typeof res.data !== 'object' || res.data === null) {
                        return reject(new ApiError({ status: res.statusCode, code: 'invalid_response', detail: `HTTP ${res.statusCode} without a JSON body` }));
                    }
                    resolve(res.data);
                },
                fail(err) {
                    var _a;
                    reject(new ApiError({ status: 0, code: 'network_error', detail: (_a = err === null || err === void 0 ? void 0 : err.errMsg) !== null && _a !== void 0 ? _a : 'request failed' }));
                },
            });
        });
    }
    /** send, and once more after a short Retry-After on 429/503. */
    async function sendPolitely(method, path, init, token) {
        try {
            return await send(method, path, init, token);
        }
        catch (err) {
            const wait = err instanceof ApiError && (err.status === 429 || err.status === 503) && err.retryAfter !== undefined ? err.retryAfter * 1000 : -1;
            if (wait < 0 || wait > maxRetryAfterMs)
                throw err;
            await sleep(wait);
            return send(method, path, init, token);
        }
    }
    function relogin(login) {
        pendingLogin !== null && pendingLogin !== void 0 ? pendingLogin : (pendingLogin = login().finally(() => {
            pendingLogin = undefined;
        }));
        return pendingLogin;
    }
    async function call(method, path, init = {}) {
        var _a, _b, _c;
        const auth = (_a = init.auth) !== null && _a !== void 0 ? _a : true;
        // A login in flight is about to replace the token; sending the old one would only earn a 401.
        if (auth && pendingLogin)
            await pendingLogin.catch(() => undefined);
        const sent = auth ? await ((_b = options.getToken) === null || _b === void 0 ? void 0 : _b.call(options)) : undefined;
        try {
            return await sendPolitely(method, path, init, sent);
        }
        catch (err) {
            const login = options.login;
            if (!auth || init.relogin === false || !login || !(err instanceof ApiError) || err.status !== 401 || err.code !== 'unauthorized')
                throw err;
            // If another request already logged in again while this one was out, use its token.
            const current = await ((_c = options.getToken) === null || _c === void 0 ? void 0 : _c.call(options));
            const token = current !== undefined && current !== sent ? current : await relogin(login);
            return sendPolitely(method, path, init, token); // once: a second 401 is the caller's
        }
    }
    return {
        request: ((path, method, init) => call(method, path, init)),
    };
}
