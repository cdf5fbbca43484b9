import { type Document, Double, Int32 } from 'mongodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serverError } from '../helpers/server-error.js';
import { startTestEmulator, type TestEmulator } from '../helpers/start-test-emulator.js';

let env: TestEmulator;
beforeAll(async () => {
  env = await startTestEmulator();
});
afterAll(() => env.stop());

type Doc = Document & { _id?: number };
const db = () => env.client.db('json_schema');

describe('$jsonSchema in queries (manual example)', () => {
  it('finds the documents that satisfy a schema, and with $nor those that do not', async () => {
    const inventory = db().collection<Doc>('inventory');
    await inventory.insertMany([
      { item: 'journal', qty: 25, size: { h: 14, w: 21, uom: 'cm' }, instock: true },
      { item: 'notebook', qty: 50, size: { h: 8.5, w: 11, uom: 'in' }, instock: true },
      { item: 'paper', qty: 100, size: { h: 8.5, w: 11, uom: 'in' }, instock: 1 },
      { item: 'planner', qty: 75, size: { h: 22.85, w: 30, uom: 'cm' }, instock: 1 },
      { item: 'postcard', qty: 45, size: { h: 10, w: 15.25, uom: 'cm' }, instock: true },
      { item: 'apple', qty: 45, status: 'A', instock: true },
      { item: 'pears', qty: 50, status: 'A', instock: true },
    ]);
    const myschema = {
      required: ['item', 'qty', 'instock'],
      properties: {
        item: { bsonType: 'string' },
        qty: { bsonType: 'int' },
        size: {
          bsonType: 'object',
          required: ['uom'],
          properties: {
            uom: { bsonType: 'string' },
            h: { bsonType: 'double' },
            w: { bsonType: 'double' },
          },
        },
        instock: { bsonType: 'bool' },
      },
    };
    const items = (docs: Doc[]) => docs.map((d) => d.item);
    expect(items(await inventory.find({ $jsonSchema: myschema }).toArray())).toEqual([
      'apple',
      'pears',
    ]);
    expect(
      items(await inventory.aggregate([{ $match: { $jsonSchema: myschema } }]).toArray()),
    ).toEqual(['apple', 'pears']);
    expect(items(await inventory.find({ $nor: [{ $jsonSchema: myschema }] }).toArray())).toEqual([
      'journal',
      'notebook',
      'paper',
      'planner',
      'postcard',
    ]);
    const updated = await inventory.updateMany(
      { $nor: [{ $jsonSchema: myschema }] },
      { $set: { isValid: false } },
    );
    expect(updated.modifiedCount).toBe(5);
  });
});

describe('$jsonSchema validators', () => {
  it('refuse a document with the errInfo of the manual (title, description, bsonType)', async () => {
    const students = await db().createCollection<Doc>('students', {
      validator: {
        $jsonSchema: {
          bsonType: 'object',
          title: 'Student Object Validation',
          required: ['address', 'major', 'name', 'year'],
          properties: {
            name: { bsonType: 'string', description: "'name' must be a string and is required" },
            year: {
              bsonType: 'int',
              minimum: 2017,
              maximum: 3017,
              description: "'year' must be an integer in [ 2017, 3017 ] and is required",
            },
            gpa: {
              bsonType: ['double'],
              description: "'gpa' must be a double if the field exists",
            },
          },
        },
      },
    });
    const error = await serverError(
      students.insertOne({
        _id: 1,
        name: 'Alice',
        year: new Int32(2019),
        major: 'History',
        gpa: new Int32(3),
        address: { city: 'NYC', street: '33rd Street' },
      }),
    );
    expect([error.code, error.message]).toEqual([121, 'Document failed validation']);
    expect(error.errInfo).toEqual({
      failingDocumentId: 1,
      details: {
        operatorName: '$jsonSchema',
        title: 'Student Object Validation',
        schemaRulesNotSatisfied: [
          {
            operatorName: 'properties',
            propertiesNotSatisfied: [
              {
                propertyName: 'gpa',
                description: "'gpa' must be a double if the field exists",
                details: [
                  {
                    operatorName: 'bsonType',
                    specifiedAs: { bsonType: ['double'] },
                    reason: 'type did not match',
                    consideredValue: 3,
                    consideredType: 'int',
                  },
                ],
              },
            ],
          },
        ],
      },
    });
    await students.insertOne({
      _id: 2,
      name: 'Alice',
      year: new Int32(2019),
      major: 'History',
      gpa: new Double(3.0),
      address: { city: 'NYC', street: '33rd Street' },
    });
    expect(await students.countDocuments()).toBe(1);
  });

  it('report additionalProperties and required as MongoDB does', async () => {
    const write = await db().createCollection<Doc>('write', {
      validator: {
        $jsonSchema: {
          type: 'object',
          additionalProperties: false,
          required: ['req'],
          properties: { _id: {}, req: { type: 'string' }, opt: { type: 'string' }, updatedAt: {} },
        },
      },
    });
    const missing = await serverError(write.insertOne({ _id: 1, invalid: true }));
    expect(missing.errInfo?.details.schemaRulesNotSatisfied).toEqual([
      {
        operatorName: 'additionalProperties',
        specifiedAs: { additionalProperties: false },
        additionalProperties: ['invalid'],
      },
      { operatorName: 'required', specifiedAs: { required: ['req'] }, missingProperties: ['req'] },
    ]);
    const wrongType = await serverError(write.insertOne({ _id: 2, req: 1 }));
    expect(wrongType.errInfo?.details.schemaRulesNotSatisfied).toEqual([
      {
        operatorName: 'properties',
        propertiesNotSatisfied: [
          {
            propertyName: 'req',
            details: [typeFailure('string', 1, 'int')],
          },
        ],
      },
    ]);
    await write.insertOne({ _id: 3, req: 'a' });
    const updated = await serverError(write.updateOne({ _id: 3 }, { $set: { invalid: 1 } }));
    expect(updated.code).toBe(121);
  });

  // Cases of MongoDB's own tests of these errors (doc_validation_error_json_schema_test.cpp).
  const cases: Array<[string, Document, Document, Document[]]> = [
    [
      'minimum',
      { properties: { a: { minimum: 1 } } },
      { a: 0 },
      [
        prop('a', [
          {
            operatorName: 'minimum',
            specifiedAs: { minimum: 1 },
            reason: 'comparison failed',
            consideredValue: 0,
          },
        ]),
      ],
    ],
    [
      'exclusiveMinimum',
      { properties: { a: { minimum: 1, exclusiveMinimum: true } } },
      { a: 1 },
      [
        prop('a', [
          {
            operatorName: 'minimum',
            specifiedAs: { minimum: 1, exclusiveMinimum: true },
            reason: 'comparison failed',
            consideredValue: 1,
          },
        ]),
      ],
    ],
    [
      'maximum before minimum, nested',
      { properties: { a: { properties: { b: { minimum: 10, maximum: -10 } } } } },
      { a: { b: 5 } },
      [
        prop('a', [
          {
            operatorName: 'properties',
            propertiesNotSatisfied: [
              {
                propertyName: 'b',
                details: [
                  {
                    operatorName: 'maximum',
                    specifiedAs: { maximum: -10 },
                    reason: 'comparison failed',
                    consideredValue: 5,
                  },
                  {
                    operatorName: 'minimum',
                    specifiedAs: { minimum: 10 },
                    reason: 'comparison failed',
                    consideredValue: 5,
                  },
                ],
              },
            ],
          },
        ]),
      ],
    ],
    [
      'a restriction the stated type contradicts',
      { type: 'object', properties: { a: { type: 'string', minimum: 5 } } },
      { a: 6 },
      [prop('a', [typeFailure('string', 6, 'int')])],
    ],
    [
      'maxLength on a non-string with a stated type',
      { properties: { a: { type: 'string', maxLength: 4 } } },
      { a: 1 },
      [
        prop('a', [
          {
            operatorName: 'maxLength',
            specifiedAs: { maxLength: 4 },
            reason: 'type did not match',
            consideredType: 'int',
            expectedType: 'string',
            consideredValue: 1,
          },
          typeFailure('string', 1, 'int'),
        ]),
      ],
    ],
    [
      'minLength',
      { properties: { a: { type: 'string', minLength: 4 } } },
      { a: 'foo' },
      [
        prop('a', [
          {
            operatorName: 'minLength',
            specifiedAs: { minLength: 4 },
            reason: 'specified string length was not satisfied',
            consideredValue: 'foo',
          },
        ]),
      ],
    ],
    [
      'pattern on a non-string with a stated type',
      { properties: { a: { type: 'string', pattern: '^S' } } },
      { a: 1 },
      [
        prop('a', [
          {
            operatorName: 'pattern',
            specifiedAs: { pattern: '^S' },
            reason: 'type did not match',
            consideredType: 'int',
            expectedTypes: ['regex', 'string', 'symbol'],
            consideredValue: 1,
          },
          typeFailure('string', 1, 'int'),
        ]),
      ],
    ],
    [
      'pattern',
      { properties: { a: { pattern: '^S' } } },
      { a: 'slow' },
      [
        prop('a', [
          {
            operatorName: 'pattern',
            specifiedAs: { pattern: '^S' },
            reason: 'regular expression did not match',
            consideredValue: 'slow',
          },
        ]),
      ],
    ],
    [
      'enum',
      { properties: { a: { enum: [1, 2, 3] } } },
      { a: 0 },
      [
        prop('a', [
          {
            operatorName: 'enum',
            specifiedAs: { enum: [1, 2, 3] },
            reason: 'value was not found in enum',
            consideredValue: 0,
          },
        ]),
      ],
    ],
    [
      'items',
      { properties: { a: { items: { type: 'string' } } } },
      { a: [1, 'A', {}] },
      [
        prop('a', [
          {
            operatorName: 'items',
            reason: 'At least one item did not match the sub-schema',
            itemIndex: 0,
            details: [typeFailure('string', 1, 'int')],
          },
        ]),
      ],
    ],
    [
      'minItems',
      { properties: { a: { minItems: 2 } } },
      { a: [1] },
      [
        prop('a', [
          {
            operatorName: 'minItems',
            specifiedAs: { minItems: 2 },
            reason: 'array did not match specified length',
            consideredValue: [1],
          },
        ]),
      ],
    ],
    [
      'oneOf with two matching schemas',
      { properties: { a: { oneOf: [{ minimum: 1 }, { maximum: 3 }] } } },
      { a: 2 },
      [
        prop('a', [
          {
            operatorName: 'oneOf',
            reason: 'more than one subschema matched',
            matchingSchemaIndexes: [0, 1],
          },
        ]),
      ],
    ],
    [
      'anyOf',
      { properties: { a: { anyOf: [{ type: 'string' }, { maximum: 3 }] } } },
      { a: 4 },
      [
        prop('a', [
          {
            operatorName: 'anyOf',
            schemasNotSatisfied: [
              {
                index: 0,
                details: [typeFailure('string', 4, 'int')],
              },
              {
                index: 1,
                details: [
                  {
                    operatorName: 'maximum',
                    specifiedAs: { maximum: 3 },
                    reason: 'comparison failed',
                    consideredValue: 4,
                  },
                ],
              },
            ],
          },
        ]),
      ],
    ],
    [
      'not',
      { not: { properties: { a: { minimum: 3 } } } },
      { a: 6 },
      [{ operatorName: 'not', reason: 'child expression matched' }],
    ],
  ];

  function typeFailure(type: string, consideredValue: unknown, consideredType: string): Document {
    return {
      operatorName: 'type',
      specifiedAs: { type },
      reason: 'type did not match',
      consideredValue,
      consideredType,
    };
  }

  function prop(propertyName: string, details: Document[]): Document {
    return { operatorName: 'properties', propertiesNotSatisfied: [{ propertyName, details }] };
  }

  it.each(cases)('explain %s as MongoDB does', async (name, schema, doc, rules) => {
    const c = await db().createCollection<Doc>(`case_${name.replace(/\W+/g, '_')}`, {
      validator: { $jsonSchema: schema },
    });
    const error = await serverError(c.insertOne({ _id: 1, ...doc }));
    expect(error.errInfo).toEqual({
      failingDocumentId: 1,
      details: { operatorName: '$jsonSchema', schemaRulesNotSatisfied: rules },
    });
    // A query with the same schema does not find the document either.
    expect(await c.countDocuments({ $jsonSchema: schema })).toBe(0);
  });

  it('answer MongoDB errors for schemas it refuses', async () => {
    const cases: Array<[unknown, number]> = [
      [1, 14],
      [{ notakeyword: 1 }, 9],
      [{ properties: { n: { notakeyword: 1 } } }, 9],
      [{ format: 'email' }, 9],
      [{ type: 'object', bsonType: 'object' }, 9],
      [{ minimum: 'x' }, 14],
      [{ required: [] }, 9],
      [{ required: 'a' }, 14],
      [{ enum: [] }, 9],
      [{ exclusiveMinimum: true }, 9],
      [{ anyOf: [] }, 2],
      [{ patternProperties: {} }, 115],
      [{ additionalProperties: { type: 'string' } }, 115],
    ];
    for (const [schema, code] of cases) {
      const error = await serverError(
        db().collection('errors').find({ $jsonSchema: schema }).toArray(),
      );
      expect(error.code, JSON.stringify(schema)).toBe(code);
    }
  });
});
