"use strict";
// Types that turn an openapi-typescript `paths` into typed requests. Nothing
// here names an operation of any particular API: give it your own `paths`.
Object.defineProperty(exports, "__esModule", { value: true });
