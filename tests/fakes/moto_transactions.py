"""moto's TransactWriteItems with the same semantics at the cost of the items it touches.

moto (5.2) backs up a whole table before each action of a transaction, with a deep copy, so
that it can roll back: storing one company's fetch (some 40 actions) into a table of 2,000
companies took seconds, and loading the sample data minutes. This version keeps a copy of only
the items the transaction touches and puts them back on cancellation. It checks what moto
checks (at most 100 actions, one action per item, every condition) and raises the same
exceptions, so the code under test sees DynamoDB's answers. The integration tests run the real
transactions on DynamoDB Local.
"""

import copy

from moto.dynamodb.comparisons import get_filter_expression
from moto.dynamodb.exceptions import (
    ConditionalCheckFailed,
    MockValidationException,
    MultipleTransactionsException,
    TooManyTransactionsException,
    TransactionCanceledException,
)
from moto.dynamodb.models import DynamoDBBackend

TRANSACTION_ACTIONS = {"ConditionCheck", "Put", "Delete", "Update"}


def _action_key(backend: DynamoDBBackend, op_type: str, op: dict) -> dict:
    if op_type != "Put":
        return op["Key"]
    table = backend.get_table(op["TableName"])
    names = [table.hash_key_attr] + ([table.range_key_attr] if table.range_key_attr else [])
    return {name: op["Item"][name] for name in names}


def transact_write_items(self: DynamoDBBackend, transact_items: list[dict]) -> None:
    if len(transact_items) > 100:
        raise TooManyTransactionsException()
    actions, seen = [], set()
    for entry in transact_items:
        if len(entry) > 1:
            raise MultipleTransactionsException()
        op_type, op = next(iter(entry.items()))
        key = _action_key(self, op_type, op)
        identity = (op["TableName"], str(sorted(key.items())))
        if identity in seen:
            raise MultipleTransactionsException()
        seen.add(identity)
        actions.append((op_type, op, key))
    before = [
        (op["TableName"], key, copy.deepcopy(self.get_item(op["TableName"], key)))
        for _, op, key in actions
    ]

    def roll_back() -> None:
        for table_name, key, item in before:
            if item is None:
                if self.get_item(table_name, key) is not None:
                    self.delete_item(table_name, key)
            else:
                self.put_item(table_name, item.to_json()["Attributes"])

    errors = []
    for op_type, op, key in actions:
        condition = op.get("ConditionExpression")
        names = op.get("ExpressionAttributeNames")
        values = op.get("ExpressionAttributeValues")
        try:
            if op_type not in TRANSACTION_ACTIONS:
                raise ValueError("Unsupported transaction operation")
            if op_type == "ConditionCheck":
                current = self.get_item(op["TableName"], key)
                if not get_filter_expression(condition, names, values).expr(current):
                    raise ConditionalCheckFailed()
            elif op_type == "Put":
                self.put_item(
                    op["TableName"],
                    op["Item"],
                    condition_expression=condition,
                    expression_attribute_names=names,
                    expression_attribute_values=values,
                )
            elif op_type == "Delete":
                self.delete_item(
                    op["TableName"],
                    key,
                    condition_expression=condition,
                    expression_attribute_names=names,
                    expression_attribute_values=values,
                )
            else:
                self.update_item(
                    op["TableName"],
                    key,
                    update_expression=op["UpdateExpression"],
                    condition_expression=condition,
                    expression_attribute_names=names,
                    expression_attribute_values=values,
                )
            errors.append((None, None, None))
        except MockValidationException:
            roll_back()
            raise
        except ConditionalCheckFailed as exc:
            errors.append(("ConditionalCheckFailed", str(exc.message), None))
        except Exception as exc:  # noqa: BLE001 - moto reports any other failure the same way
            errors.append((type(exc).__name__, str(exc), None))
    if any(code is not None for code, _, _ in errors):
        roll_back()
        raise TransactionCanceledException(errors)


def install() -> None:
    """Replace moto's TransactWriteItems for this test process."""
    DynamoDBBackend.transact_write_items = transact_write_items
