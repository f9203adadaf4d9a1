// The studio's Traditional Chinese (Taiwan) catalogue: every area and key of English's (en.ts).
import type { en } from './en.ts';
import type { Translation } from './index.ts';
import app from './zh-TW/app.ts';
import datasets from './zh-TW/datasets.ts';
import train from './zh-TW/train.ts';
import runs from './zh-TW/runs.ts';
import sample from './zh-TW/sample.ts';
import classify from './zh-TW/classify.ts';
import inspect from './zh-TW/inspect.ts';
import compare from './zh-TW/compare.ts';
import fields from './zh-TW/fields.ts';
import errors from './zh-TW/errors.ts';
import lab from './zh-TW/lab.ts';
import lesson from './zh-TW/lesson.ts';
import report from './zh-TW/report.ts';

export const zhTW: Translation<typeof en> = { app, datasets, train, runs, sample, classify, inspect, compare, fields, errors, lab, report, lesson };
