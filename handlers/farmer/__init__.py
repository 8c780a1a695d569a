"""The farmer's menu: orders to pack, earnings, their trees and the news they post."""
