import { compactJson, jsonStringEnd } from '../../../lambda/formats/compact-json';

describe('compactJson', () => {
  test('removes the whitespace between tokens, and keeps strings, numbers and literals as written', () => {
    // GIVEN indented JSON with whitespace and escapes inside strings and numbers JSON.parse rewrites
    const text =
      '{\n    "a b" : [ 1.50 , -0 , 1E+2 , 12345678901234567891 ],\r\n\t"s": " x\\" y\\\\" ,"t":true, "n" :null }';
    // WHEN
    const compact = compactJson(text);
    // THEN
    expect(compact).toBe('{"a b":[1.50,-0,1E+2,12345678901234567891],"s":" x\\" y\\\\","t":true,"n":null}');
    expect(JSON.parse(compact)).toStrictEqual(JSON.parse(text));
  });

  test('returns compact text unchanged', () => {
    const text = '{"a":[1,{"b":"c d"}]}';
    expect(compactJson(text)).toBe(text);
  });

  test('compacts a value that is not an object', () => {
    expect(compactJson(' [ "a" ,\n 2 ] ')).toBe('["a",2]');
    expect(compactJson('"  spaced  "')).toBe('"  spaced  "');
  });

  test('finds the end of a string past escaped quotes and backslashes', () => {
    const text = '"a\\"b\\\\" rest';
    expect(jsonStringEnd(text, 0)).toBe(8);
    expect(jsonStringEnd('"unterminated', 0)).toBe(13);
  });
});
