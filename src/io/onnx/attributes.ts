// Reading an ONNX node's attributes and naming it in errors: the small helpers every mapper uses.
// Attribute values as onnx-proto (protobufjs) decodes them: int64 may arrive as Long objects.

import type { onnx as Onnx } from 'onnx-proto';

/** A protobufjs number or Long as a number. */
export function toNumber(value: unknown): number {
  if (typeof value === 'number') return value;
  if (value !== null && typeof value === 'object' && 'toNumber' in value)
    return (value as { toNumber(): number }).toNumber();
  return Number(value);
}

export type Attributes = Map<string, Onnx.IAttributeProto>;

export function attributesOf(node: Onnx.INodeProto): Attributes {
  return new Map((node.attribute ?? []).map((attribute) => [attribute.name ?? '', attribute]));
}

export function intsOf(attributes: Attributes, name: string, fallback: number[]): number[] {
  const attribute = attributes.get(name);
  return attribute?.ints === undefined || attribute.ints === null || attribute.ints.length === 0
    ? fallback
    : attribute.ints.map(toNumber);
}

export function intOf(attributes: Attributes, name: string, fallback: number): number {
  const attribute = attributes.get(name);
  return attribute?.i === undefined || attribute.i === null ? fallback : toNumber(attribute.i);
}

export function floatsOf(attributes: Attributes, name: string, fallback: number[]): number[] {
  const attribute = attributes.get(name);
  return attribute?.floats === undefined || attribute.floats === null || attribute.floats.length === 0
    ? fallback
    : [...attribute.floats];
}

export function floatOf(attributes: Attributes, name: string, fallback: number): number {
  const attribute = attributes.get(name);
  return attribute?.f === undefined || attribute.f === null ? fallback : attribute.f;
}

/** A string attribute (auto_pad, mode), or `fallback` when absent or empty. */
export function stringOf(attributes: Attributes, name: string, fallback: string): string {
  const bytes = attributes.get(name)?.s;
  return bytes === undefined || bytes === null || bytes.length === 0 ? fallback : new TextDecoder().decode(bytes);
}

/** How errors name a node: its name, or its first output's where it has none (names are optional in ONNX). */
export function nodeLabel(node: Onnx.INodeProto): string {
  return `node '${node.name || (node.output ?? [])[0] || '(unnamed)'}' (${node.opType ?? ''})`;
}
